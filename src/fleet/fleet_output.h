// The fleet report's outputs: JSON (schema in docs/FLEET.md), one self-contained HTML page (inline
// CSS, JS and the JSON itself; no network) which draws the charts and tables in the browser, a
// human summary for the terminal, and CSV (one row per credential and app).
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fleet/fleet_report.h"

namespace keysweep::fleet {

inline constexpr const char* kReportSchema = "keysweep-fleet-report/2";

// What differs between two reports over the same findings: kept in the one "run" field, which
// `report --deterministic` leaves out.
struct ReportRun {
  std::string generated_at;  // ISO 8601 UTC
  std::string datastore;     // the target, with any password removed
  std::string tool_version;
  uint64_t scan_runs = 0;
  std::string first_scan_started, last_scan_finished;
};

struct OutputOptions {
  // How many clusters (and, apart, configuration values) to list, in risk order (0: all); the
  // counts always cover every one. By publisher it limits as much: the publishers listed, and
  // each one's credentials and configuration values; what it leaves out is counted ("and 12
  // more").
  size_t max_clusters = 0;
  // "cluster" (credentials in risk order) or "publisher" (`report --by publisher`: each
  // publisher's apps and credentials). JSON lists `by_publisher` with "publisher" or `publishers`.
  std::string view = "cluster";
  bool publishers = false;  // list by_publisher in the JSON whatever the view (the HTML page does)
};

// How many of `total` items a list shows under --top.
inline size_t listed_under_top(size_t total, const OutputOptions& options) {
  return options.max_clusters ? std::min(options.max_clusters, total) : total;
}

nlohmann::ordered_json report_json(const FleetReport& report, const std::optional<ReportRun>& run,
                                   const OutputOptions& options = {});
std::string report_html(const nlohmann::ordered_json& report_json);
// For a terminal: the counts (honest about what was not checked), then each credential in risk
// order with why, where (apps, locations) and what to do; or, by publisher, each publisher's.
std::string report_text(const FleetReport& report, const std::optional<ReportRun>& run,
                        const OutputOptions& options = {});
// RFC 4180, CRLF: one row per credential and app (a credential outside apps: one row), in risk
// order; by publisher: one row per publisher, credential and app. Columns in docs/FLEET.md.
std::string report_csv(const FleetReport& report, const OutputOptions& options = {});

}  // namespace keysweep::fleet
