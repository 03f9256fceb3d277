// Reads what a fleet report needs from a keysweep datastore (src/store), through its read API
// (Datastore::query over the schema documented in docs/FLEET.md). Read only: it never writes.
#pragma once

#include <string>

#include "fleet/fleet_data.h"
#include "fleet/fleet_output.h"
#include "keysweep/error.h"
#include "rules/rule.h"
#include "store/datastore.h"

namespace keysweep::fleet {

Result<FleetData> read_fleet(store::Datastore& store);

// When the stored scans ran (for ReportRun): how many runs, the first start, the last finish.
Result<ReportRun> read_run_info(store::Datastore& store);

// What the rules say about each rule id (grants, remediation, references), for the risk order and
// the fix of each cluster.
void add_rule_info(FleetData& data, const RuleSet& rules);

// Adds (or replaces) app metadata, e.g. from `report --metadata CSV`.
void merge_metadata(FleetData& data, const std::vector<store::AppMetadata>& rows);

}  // namespace keysweep::fleet
