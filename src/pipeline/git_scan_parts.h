// What the two git scan paths (libgit2 per blob in git_scan.cc, pack streaming in
// git_pack_scan.cc) share: a blob in walk order, per-worker results, and the libgit2 reader.
#pragma once

#include <string>
#include <vector>

#include "core/scan_summary.h"
#include "input/git_history.h"
#include "pipeline/scan_pipeline.h"
#include "pipeline/work_queue.h"

namespace keysweep {

// A blob and its place in the walk: the lower `seq`, the earlier the commit that introduced it.
struct GitWork {
  uint64_t seq = 0;
  GitBlob blob;
};

struct SeqFinding {
  uint64_t seq;
  Finding finding;
};

struct GitWorkerState {
  std::vector<SeqFinding> findings;
  ScanSummary summary;
};

// Scans one blob's bytes as the file `path`; its findings keep `seq` and, when `origin` is given,
// are stamped with it. Without one the caller stamps them later (stamp_git_finding): the pack scan
// builds a blob's origin (its commit's hex id, the author) only for the few blobs with findings,
// not for each of millions of blobs as it is scanned.
void scan_git_blob(const ScanPipeline& pipeline, uint64_t seq, std::string path,
                   const GitOrigin* origin, std::string_view bytes,
                   std::shared_ptr<const void> owner, Matcher::Scratch& scratch,
                   DiagnosticSink& diagnostics, std::vector<Finding>& found, GitWorkerState& state);
// The same for a blob whose origin is known: findings stamped with `work.blob.origin`.
void scan_git_blob(const ScanPipeline& pipeline, const GitWork& work, std::string_view bytes,
                   std::shared_ptr<const void> owner, Matcher::Scratch& scratch,
                   DiagnosticSink& diagnostics, std::vector<Finding>& found, GitWorkerState& state);
// Where a finding was introduced in the history (and its parts, for a paired credential).
void stamp_git_finding(Finding& f, const GitOrigin& origin);

// A worker: pops blobs until the queue closes, reads each through its own libgit2 handle.
void scan_git_blobs_libgit2(const ScanPipeline& pipeline, const std::string& repo_path,
                            WorkQueue<GitWork>& queue, DiagnosticSink& diagnostics,
                            GitWorkerState& state);

// Full-history scans (no --staged, --diff or --since) stream the packs (git_pack_scan.cc).
bool use_pack_reader(const GitScanOptions& options);
Result<void> scan_git_packs(const ScanPipeline& pipeline, GitRepository& repo,
                            const std::string& repo_path, const GitScanOptions& options,
                            unsigned jobs, DiagnosticSink& diagnostics, GitWalkStats& stats,
                            std::vector<GitWorkerState>& states);

}  // namespace keysweep
