// Times printed as UTC: the one strftime over gmtime_r that stores, reports, AWS signing and plist
// dates share.
#pragma once

#include <ctime>
#include <string>

namespace keysweep {

// ISO 8601 at second precision, as reports and the datastore print times: "2026-11-29T09:04:35Z".
inline constexpr const char* kIso8601Utc = "%Y-%m-%dT%H:%M:%SZ";
// ISO 8601 basic format, as AWS Signature V4's X-Amz-Date wants it: "20261129T090435Z".
inline constexpr const char* kIso8601BasicUtc = "%Y%m%dT%H%M%SZ";

// `t` (seconds since the Unix epoch) in UTC, formatted by strftime's `format` (at most 63
// characters); "" when `t` is out of gmtime's range.
std::string format_utc(std::time_t t, const char* format = kIso8601Utc);

// The current time, as format_utc formats it.
std::string format_utc_now(const char* format = kIso8601Utc);

}  // namespace keysweep
