#include <cstdio>
#include <ctime>

#include "keysweep/error.h"
#include "core/secret.h"
#include "core/utc_time.h"
#include "keysweep/finding.h"

namespace keysweep {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "io";
    case ErrorCode::kTooLarge: return "too-large";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kConfig: return "config";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::to_string() const {
  std::string out;
  // The path may be a file name from anywhere (an input list, a walked tree): printed escaped.
  if (!path.empty()) out += printable_name(path) + ": ";
  if (offset) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "at offset 0x%llx: ", static_cast<unsigned long long>(*offset));
    out += buf;
  }
  out += message;
  return out;
}

const char* confidence_name(Confidence c) {
  switch (c) {
    case Confidence::kLow: return "low";
    case Confidence::kMedium: return "medium";
    case Confidence::kHigh: return "high";
  }
  return "medium";
}

std::string Location::display_path() const {
  std::string out;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (i) out += '!';
    out += chain[i];
  }
  return out;
}

std::string GitOrigin::iso_time() const { return format_utc(static_cast<std::time_t>(time)); }

}  // namespace keysweep
