// How the command line wires the suppression stage (src/suppress) around a scan, and the
// `baseline create` subcommand, which is a scan that writes a baseline instead of a report.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keysweep/error.h"
#include "pipeline/scan_pipeline.h"
#include "rules/rule.h"
#include "suppress/project_config.h"
#include "suppress/suppressor.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace keysweep::cli {

struct ScanArgs;

struct SuppressArgs {
  std::string baseline;                    // --baseline FILE
  std::string config;                      // --config FILE (else keysweep.toml is looked for)
  bool no_config = false;                  // do not look for keysweep.toml / .keysweepignore
  std::vector<std::string> ignore_files;   // --ignore-file FILE
  std::vector<std::string> disable_rules;  // --disable-rule ID|GLOB
  bool no_suppress = false;                // report everything
  bool include_suppressed = false;         // json/jsonl: list hidden findings with suppressed_by
  bool baseline_create = false;            // set by `keysweep baseline create`
  const CLI::Option* max_file_size_flag = nullptr;  // to tell a given flag from its default
};

struct SuppressionPlan {
  suppress::SuppressionSettings settings;
  std::unique_ptr<suppress::Suppressor> suppressor;  // null with --no-suppress
  std::string baseline_out;                          // `baseline create`: where to write it
  std::string finding_root;  // a git scan's work tree: what its findings' paths are relative to
  // What apply_suppression hid (not disabled rules): SARIF lists them as suppressed results.
  std::vector<suppress::SuppressedFinding> hidden;
};

void add_suppress_options(CLI::App& cmd, ScanArgs& a);
// `keysweep baseline create PATHS... [-o FILE]`, with every scan option.
CLI::App* add_baseline_command(CLI::App& app, ScanArgs& a);

// Before the scan: reads keysweep.toml (merging its [rules] paths, [scan] excludes and size into
// `a`, command-line flags winning), the ignore files and the baseline.
Result<SuppressionPlan> prepare_suppression(ScanArgs& a);
// Once the rules are loaded: checks the disabled rule ids against them.
Result<void> finish_suppression(SuppressionPlan& plan, const RuleSet& rules);
// After the scan: hides suppressed findings and counts them in the summary. In `baseline create`
// mode it writes the baseline and returns the exit code; otherwise nullopt and the scan goes on.
std::optional<int> apply_suppression(SuppressionPlan& plan, const ScanArgs& a, ScanOutcome& outcome);

}  // namespace keysweep::cli
