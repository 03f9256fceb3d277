// The fleet side of `keysweep scan`: --datastore (write each input to SQLite/PostgreSQL as it is
// done), --input-list, --metadata, --shard K/N and --progress. Kept out of scan_command.cc, which
// only calls the three functions below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/diagnostics.h"
#include "keysweep/error.h"
#include "pipeline/scan_pipeline.h"

namespace CLI {
class App;
}

namespace keysweep::cli {

void add_fleet_options(CLI::App& cmd, FleetArgs& args);

// The paths to scan: the positional ones, then those of --input-list.
Result<std::vector<std::string>> scan_inputs(const ScanArgs& args);

class FleetScan {
 public:
  // Checks the fleet flags, opens and migrates the datastore, imports the metadata CSV, and
  // hooks the shard, the datastore writer and the progress display into `config`.
  static Result<std::unique_ptr<FleetScan>> prepare(const ScanArgs& args,
                                                     const std::vector<std::string>& paths,
                                                     ScanConfig& config);
  virtual ~FleetScan() = default;
  virtual bool has_datastore() const = 0;
  // --datastore: runs the scan, each input committed as it is done; prints a summary line and
  // returns the exit code.
  virtual int run_into_datastore(const ScanPipeline& pipeline, DiagnosticSink& diagnostics) = 0;
  // Without --datastore: the final progress line, once the scan is over.
  virtual void finish_progress() = 0;
};

}  // namespace keysweep::cli
