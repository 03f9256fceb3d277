// The pipeline: a bounded pool of workers over input files. Each worker reads a file, runs the
// extractors recursively (under Limits), scans every resulting Blob with the shared Matcher and
// turns matches into Findings.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "core/scan_summary.h"
#include "input/file_walker.h"
#include "input/shard.h"
#include "io/limits.h"
#include "io/memory_budget.h"
#include "io/utf16.h"
#include "keysweep/finding.h"
#include "match/finding_builder.h"
#include "match/matcher.h"

namespace keysweep {

// What the pipeline knows about one top-level input once it is done with it.
struct InputReport {
  std::string path;
  uint64_t size = 0;
  std::string content_sha256;  // filled when the observer wants_content_hash(); "" if not read
  std::shared_ptr<const AppIdentity> app;  // the first app identity found in it, if any
  std::vector<Finding> findings;            // paired and sorted
  std::vector<Diagnostic> diagnostics;      // this input's only
  uint64_t blobs_scanned = 0, bytes_scanned = 0;
};

// Follows a scan input by input, e.g. to write each input to a datastore as soon as it is done
// (crash safety, flat memory) or to draw progress. Methods other than input_queued are called
// concurrently from worker threads.
class ScanObserver {
 public:
  virtual ~ScanObserver() = default;
  virtual void input_queued(const WalkedFile&) {}
  // A worker takes the input up; input_done or input_skipped follows for each.
  virtual void input_started(const WalkedFile&) {}
  // When true, workers hash each input's content before scanning and ask skip_content().
  virtual bool wants_content_hash() const { return false; }
  virtual bool skip_content(const WalkedFile&, const std::string& content_sha256) { return false; }
  virtual void input_skipped(const WalkedFile&) {}
  // A worker takes up part `part` (of `parts`) of a container read in parts (container_parts.h).
  virtual void part_started(const WalkedFile&, size_t part, size_t parts) {}
  virtual void input_done(InputReport& report) {}
};

struct ScanConfig {
  unsigned jobs = 0;  // 0 = every core
  Limits limits;
  WalkOptions walk;
  FindingOptions finding;
  bool open_containers = true;  // run extractors (zip, dex, ...) rather than scan raw bytes only
  // A plain file (one no extractor opens) larger than the small-read threshold is read and scanned
  // in windows of this many bytes plus an overlap (window_plan.h), several workers on one file.
  // Containers are mapped whole, as before. Hidden --window-size sets it for tests.
  uint64_t window_size = 64ull << 20;
  // A container file (zip, APK, IPA) whose entries hand on more than twice this many bytes is read
  // in parts of about this many, several workers on one container (container_parts.h), at most 4
  // parts per worker. 0: one worker reads each container. Hidden --part-size sets it for tests.
  uint64_t container_part_size = 1ull << 20;
  Shard shard;                  // scan only the inputs of this shard (--shard K/N)
  ScanObserver* observer = nullptr;
  // false: findings go to the observer only and ScanOutcome::findings stays empty, so memory
  // stays flat over thousands of apps.
  bool keep_findings = true;
  // Bytes of inflated archive entries held at once across all workers (io/memory_budget.h);
  // 0: MemoryBudget::default_bytes(), a quarter of the machine's memory.
  uint64_t memory_budget = 0;
};

struct ScanOutcome {
  std::vector<Finding> findings;  // sorted by path, offset, rule
  ScanSummary summary;
};

class ScanPipeline {
 public:
  ScanPipeline(const Matcher& matcher, ScanConfig config)
      : matcher_(matcher),
        config_(std::move(config)),
        budget_(std::make_shared<MemoryBudget>(config_.memory_budget
                                                   ? config_.memory_budget
                                                   : MemoryBudget::default_bytes())) {}

  // Scans files and directories. Diagnostics are reported to `diagnostics` as they happen and
  // also returned in the summary.
  ScanOutcome scan_paths(const std::vector<std::string>& paths, DiagnosticSink& diagnostics) const;

  // Scans one top-level Blob (and what extractors find in it) on the calling thread, and joins
  // the parts of multi-part credentials found in it.
  // `app`, when given, receives the first app identity an extractor found in it.
  void scan_blob(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
                 std::vector<Finding>& out, ScanSummary& summary,
                 std::shared_ptr<const AppIdentity>* app = nullptr) const;

  const Matcher& matcher() const { return matcher_; }
  const ScanConfig& config() const { return config_; }
  const MemoryBudget& memory_budget() const { return *budget_; }

 private:
  // The matcher and the decode pass over the bytes of `blob` itself (no extractor).
  // `utf16`: `blob` is a window of a UTF-16 text file (decode/decode_pass.h).
  void match_blob(const Blob& blob, bool binary, Matcher::Scratch& scratch,
                  DiagnosticSink& diagnostics, std::vector<Finding>& out,
                  const Utf16Layout* utf16 = nullptr) const;
  // The overlap of two windows (window_plan.h): what the matcher reads around a secret, plus the
  // longest encoded run the decode pass decodes whole (a finding in it is placed at its start).
  uint64_t window_overlap() const;
  // Drops decoded duplicates and joins the parts of credentials found in one top-level input.
  void pair_input(std::vector<Finding>& found, const std::string& path, DiagnosticSink& diagnostics) const;
  friend class ScanWorker;

  void process(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
               std::vector<Finding>& out, ScanSummary& summary, uint64_t& expanded,
               std::shared_ptr<const AppIdentity>* app) const;

  const Matcher& matcher_;
  ScanConfig config_;
  // Shared, not owned alone: copies of a pipeline scan under the one budget.
  std::shared_ptr<MemoryBudget> budget_;
};

// Sorts findings by location, then rule, and drops exact duplicates (same fingerprint and offset).
void sort_findings(std::vector<Finding>& findings);

}  // namespace keysweep
