#include "pipeline/git_scan.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>

#include "input/git_blob_list.h"
#include "pipeline/foreign_mapping_faults.h"
#include "pipeline/git_scan_parts.h"

namespace keysweep {

namespace {

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

void stamp_git_finding(Finding& f, const GitOrigin& origin) {
  f.location.git = origin;
  for (auto& part : f.parts) stamp_git_finding(part, origin);
}

void scan_git_blob(const ScanPipeline& pipeline, uint64_t seq, std::string path,
                   const GitOrigin* origin, std::string_view bytes,
                   std::shared_ptr<const void> owner, Matcher::Scratch& scratch,
                   DiagnosticSink& diagnostics, std::vector<Finding>& found, GitWorkerState& st) {
  ++st.summary.files_scanned;
  Blob blob(bytes, std::move(owner), {std::move(path)});
  found.clear();
  pipeline.scan_blob(blob, scratch, diagnostics, found, st.summary);
  for (auto& f : found) {
    if (origin) stamp_git_finding(f, *origin);
    st.findings.push_back({seq, std::move(f)});
  }
}

void scan_git_blob(const ScanPipeline& pipeline, const GitWork& work, std::string_view bytes,
                   std::shared_ptr<const void> owner, Matcher::Scratch& scratch,
                   DiagnosticSink& diagnostics, std::vector<Finding>& found, GitWorkerState& st) {
  scan_git_blob(pipeline, work.seq, work.blob.origin.path, &work.blob.origin, bytes,
                std::move(owner), scratch, diagnostics, found, st);
}

void scan_git_blobs_libgit2(const ScanPipeline& pipeline, const std::string& repo_path,
                            WorkQueue<GitWork>& queue, DiagnosticSink& diagnostics,
                            GitWorkerState& st) {
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
    scan_git_blob(pipeline, work, bytes->bytes, bytes->owner, *scratch, diagnostics, found, st);
  }
}

Result<GitScanOutcome> scan_git(const ScanPipeline& pipeline, const std::string& repo_path,
                                const GitScanOptions& given, DiagnosticSink& outer) {
  auto t0 = std::chrono::steady_clock::now();
  // Opening it guards libgit2's own mappings of the packs (input/libgit2_session.h).
  auto repo = GitRepository::open(repo_path);
  if (!repo) return std::unexpected(repo.error());
  GitScanOutcome result;
  result.repository = (*repo)->info();

  CountingSink diagnostics(outer);
  const ScanConfig& config = pipeline.config();
  unsigned jobs = config.jobs ? config.jobs : std::max(1u, std::thread::hardware_concurrency());
  GitScanOptions options = given;
  options.walk_threads = jobs;
  std::vector<GitWorkerState> states(jobs);
  Result<void> walked;
  if (use_pack_reader(options)) {
    walked = scan_git_packs(pipeline, **repo, repo_path, options, jobs, diagnostics, result.walk, states);
  } else {
    // The walk (reading trees ahead on `jobs` threads, listing on one) lists blobs as it finds
    // them; the workers read and scan them.
    WorkQueue<GitWork> queue(jobs * 256);
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < jobs; ++i)
      workers.emplace_back([&, i] {
        scan_git_blobs_libgit2(pipeline, repo_path, queue, diagnostics, states[i]);
      });
    GitBlobList listed;
    walked = (*repo)->walk_blobs(options, diagnostics, result.walk, listed,
                                 [&](const GitBlobList& list, size_t i, uint8_t) {
                                   queue.push(GitWork{i, list.blob(i)});
                                 });
    queue.close();
    for (auto& t : workers) t.join();
  }
  report_foreign_mapping_faults(diagnostics);
  if (!walked) return std::unexpected(walked.error());

  ScanOutcome& outcome = result.scan;
  std::vector<SeqFinding> all;
  for (auto& st : states) {
    outcome.summary.add_read_counts(st.summary);
    std::move(st.findings.begin(), st.findings.end(), std::back_inserter(all));
  }
  outcome.findings = first_sightings(std::move(all));
  sort_findings(outcome.findings);
  outcome.summary.git = true;
  outcome.summary.git_commits = result.walk.commits;
  outcome.summary.git_unreachable_blobs = result.walk.unreachable_blobs;
  outcome.summary.findings = outcome.findings.size();
  outcome.summary.diagnostics_by_kind = diagnostics.by_kind;
  outcome.summary.diagnostics = diagnostics.all;
  outcome.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace keysweep
