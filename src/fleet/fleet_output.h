// The fleet report as JSON (schema in docs/FLEET.md) and as one self-contained HTML page (inline
// CSS, JS and the JSON itself; no network), which draws the charts in the browser.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "fleet/fleet_report.h"

namespace keysweep::fleet {

inline constexpr const char* kReportSchema = "keysweep-fleet-report/1";

// What differs between two reports over the same findings: kept in the one "run" field, which
// `report --deterministic` leaves out.
struct ReportRun {
  std::string generated_at;  // ISO 8601 UTC
  std::string datastore;     // the target, with any password removed
  std::string tool_version;
  uint64_t scan_runs = 0;
  std::string first_scan_started, last_scan_finished;
};

// max_clusters: how many clusters to list (0: all); the counts always cover every cluster.
nlohmann::ordered_json report_json(const FleetReport& report, const std::optional<ReportRun>& run,
                                   size_t max_clusters = 0);
std::string report_html(const nlohmann::ordered_json& report_json);

}  // namespace keysweep::fleet
