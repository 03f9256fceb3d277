// The pipeline: a bounded pool of workers over input files. Each worker reads a file, runs the
// extractors recursively (under Limits), scans every resulting Blob with the shared Matcher and
// turns matches into Findings.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "core/scan_summary.h"
#include "input/file_walker.h"
#include "io/limits.h"
#include "keysweep/finding.h"
#include "match/finding_builder.h"
#include "match/matcher.h"

namespace keysweep {

struct ScanConfig {
  unsigned jobs = 0;  // 0 = every core
  Limits limits;
  WalkOptions walk;
  FindingOptions finding;
  bool open_containers = true;  // run extractors (zip, dex, ...) rather than scan raw bytes only
};

struct ScanOutcome {
  std::vector<Finding> findings;  // sorted by path, offset, rule
  ScanSummary summary;
};

class ScanPipeline {
 public:
  ScanPipeline(const Matcher& matcher, ScanConfig config)
      : matcher_(matcher), config_(std::move(config)) {}

  // Scans files and directories. Diagnostics are reported to `diagnostics` as they happen and
  // also returned in the summary.
  ScanOutcome scan_paths(const std::vector<std::string>& paths, DiagnosticSink& diagnostics) const;

  // Scans one top-level Blob (and what extractors find in it) on the calling thread, and joins
  // the parts of multi-part credentials found in it.
  void scan_blob(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
                 std::vector<Finding>& out, ScanSummary& summary) const;

 private:
  void process(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
               std::vector<Finding>& out, ScanSummary& summary, uint64_t& expanded) const;

  const Matcher& matcher_;
  ScanConfig config_;
};

// Sorts findings by location, then rule, and drops exact duplicates (same fingerprint and offset).
void sort_findings(std::vector<Finding>& findings);

}  // namespace keysweep
