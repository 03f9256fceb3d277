// Shared helpers of the subcommands.
#pragma once

#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/size_text.h"
#include "keysweep/error.h"
#include "pipeline/scan_pipeline.h"
#include "report/reporter.h"
#include "rules/rule.h"

namespace keysweep::cli {

using ::keysweep::parse_size;  // core/size_text.h: "512MiB" -> bytes
// The built-in rules plus every --rules path.
Result<RuleSet> load_rules(const std::vector<std::string>& extra_paths);
// Prints "keysweep: error: ..." and returns the error exit code.
int fail(const Error& e);

struct ScanArgs;
// scan_git.cc: checks the git flags and fills what reports say about the repository.
Result<void> prepare_git_scan(const ScanArgs& args, ReportOptions& report);
// Scans the repository's history (or its index, or a range) as the flags ask.
Result<ScanOutcome> run_git_scan(const ScanArgs& args, const ScanPipeline& pipeline,
                                 DiagnosticSink& diagnostics);

}  // namespace keysweep::cli
