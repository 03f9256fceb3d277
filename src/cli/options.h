// Shared helpers of the subcommands.
#pragma once

#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "keysweep/error.h"
#include "pipeline/scan_pipeline.h"
#include "report/reporter.h"
#include "rules/rule.h"

namespace keysweep::cli {

// "512MiB", "10M", "1G", "4096" -> bytes.
Result<uint64_t> parse_size(const std::string& text);
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
