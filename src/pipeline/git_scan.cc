#include "pipeline/git_scan.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>

#include "pipeline/work_queue.h"

namespace keysweep {

namespace {

// A blob and its place in the walk: the lower `seq`, the earlier the commit that introduced it.
struct GitWork {
  uint64_t seq = 0;
  GitBlob blob;
};

struct SeqFinding {
  uint64_t seq;
  Finding finding;
};

void stamp(Finding& f, const GitOrigin& origin) {
  f.location.git = origin;
  for (auto& part : f.parts) stamp(part, origin);
}

// The same credential at the same path (and symbol) has one fingerprint whichever commit holds
// it: keep the first sighting, so a secret edited around in ten commits is one finding, reported
// with the commit that introduced it.
std::vector<Finding> first_sightings(std::vector<SeqFinding> all) {
  std::stable_sort(all.begin(), all.end(),
                   [](const SeqFinding& a, const SeqFinding& b) { return a.seq < b.seq; });
  std::unordered_set<std::string> seen;
  std::vector<Finding> out;
  for (auto& sf : all)
    if (seen.insert(sf.finding.fingerprint).second) out.push_back(std::move(sf.finding));
  return out;
}

}  // namespace

Result<GitScanOutcome> scan_git(const ScanPipeline& pipeline, const std::string& repo_path,
                                const GitScanOptions& options, DiagnosticSink& outer) {
  auto t0 = std::chrono::steady_clock::now();
  auto repo = GitRepository::open(repo_path);
  if (!repo) return std::unexpected(repo.error());
  GitScanOutcome result;
  result.repository = (*repo)->info();

  CountingSink diagnostics(outer);
  const ScanConfig& config = pipeline.config();
  unsigned jobs = config.jobs ? config.jobs : std::max(1u, std::thread::hardware_concurrency());
  WorkQueue<GitWork> queue(jobs * 256);

  struct WorkerState {
    std::vector<SeqFinding> findings;
    ScanSummary summary;
  };
  std::vector<WorkerState> states(jobs);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < jobs; ++i) {
    workers.emplace_back([&, i] {
      WorkerState& st = states[i];
      GitWork work;
      // libgit2 handles are not shared between threads: each worker opens its own.
      auto own = GitRepository::open(repo_path);
      if (!own) {
        diagnostics.error(own.error());
        while (queue.pop(work)) {
        }
        return;
      }
      auto scratch = pipeline.matcher().make_scratch();
      std::vector<Finding> found;
      while (queue.pop(work)) {
        auto bytes = (*own)->read_blob(work.blob.id);
        if (!bytes) {
          Error e = bytes.error();
          e.path = work.blob.origin.display();
          diagnostics.error(e, Severity::kWarning);
          continue;
        }
        ++st.summary.files_scanned;
        Blob blob(bytes->bytes, bytes->owner, {work.blob.origin.path});
        found.clear();
        pipeline.scan_blob(blob, *scratch, diagnostics, found, st.summary);
        for (auto& f : found) {
          stamp(f, work.blob.origin);
          st.findings.push_back({work.seq, std::move(f)});
        }
      }
    });
  }

  uint64_t seq = 0;
  auto walked = (*repo)->walk_blobs(options, diagnostics, result.walk, [&](GitBlob b) {
    queue.push(GitWork{seq++, std::move(b)});
  });
  queue.close();
  for (auto& t : workers) t.join();
  if (!walked) return std::unexpected(walked.error());

  ScanOutcome& outcome = result.scan;
  std::vector<SeqFinding> all;
  for (auto& st : states) {
    outcome.summary.files_scanned += st.summary.files_scanned;
    outcome.summary.blobs_scanned += st.summary.blobs_scanned;
    outcome.summary.bytes_scanned += st.summary.bytes_scanned;
    std::move(st.findings.begin(), st.findings.end(), std::back_inserter(all));
  }
  outcome.findings = first_sightings(std::move(all));
  sort_findings(outcome.findings);
  outcome.summary.git = true;
  outcome.summary.git_commits = result.walk.commits;
  outcome.summary.findings = outcome.findings.size();
  outcome.summary.diagnostics_by_kind = diagnostics.by_kind;
  outcome.summary.diagnostics = diagnostics.all;
  outcome.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace keysweep
