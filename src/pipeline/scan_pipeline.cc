#include "pipeline/scan_pipeline.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/secret.h"
#include "formats/extractor.h"
#include "io/mapped_file.h"
#include "match/pairing.h"
#include "pipeline/decoded_scan.h"
#include "pipeline/work_queue.h"

namespace keysweep {

namespace {

// Files up to this size are read into a reused per-worker buffer: for the many small files of a
// source tree, read() costs less than setting up and tearing down a mapping.
constexpr uint64_t kReadThreshold = 1u << 20;

// One input's diagnostics: forwarded to the run's sink as they happen and, when recording, kept
// for the input's report.
class InputDiagnostics final : public DiagnosticSink {
 public:
  InputDiagnostics(DiagnosticSink& next, bool record) : next_(next), record_(record) {}
  void report(Diagnostic d) override {
    if (record_) {
      std::lock_guard lock(mu_);
      mine_.push_back(d);
    }
    next_.report(std::move(d));
  }
  std::vector<Diagnostic> take() {
    std::lock_guard lock(mu_);
    return std::move(mine_);
  }
  // A fresh report for `wf` carrying what was recorded so far (for inputs never read).
  std::unique_ptr<InputReport> report_for(const WalkedFile& wf) {
    auto r = std::make_unique<InputReport>();
    r->path = wf.path;
    r->size = wf.size;
    r->diagnostics = take();
    return r;
  }

 private:
  DiagnosticSink& next_;
  bool record_;
  std::mutex mu_;
  std::vector<Diagnostic> mine_;
};

Result<std::string_view> read_small_file(const std::string& path, uint64_t size, std::string& buf) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  buf.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buf.data() + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(e), path);
    }
    if (n == 0) break;  // shrank while we read it: scan what is there
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return std::string_view(buf.data(), got);
}

bool looks_binary(std::string_view data) {
  return std::memchr(data.data(), 0, std::min<size_t>(data.size(), 8192)) != nullptr;
}

}  // namespace

void sort_findings(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.location.chain != b.location.chain) return a.location.chain < b.location.chain;
    if (a.location.offset != b.location.offset) return a.location.offset < b.location.offset;
    if (a.rule_id != b.rule_id) return a.rule_id < b.rule_id;
    // Git history: the same path in several commits, oldest first (a stable order across runs).
    if (a.location.git.time != b.location.git.time) return a.location.git.time < b.location.git.time;
    return a.location.git.commit < b.location.git.commit;
  });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [](const Finding& a, const Finding& b) {
                               return a.fingerprint == b.fingerprint &&
                                      a.location.offset == b.location.offset;
                             }),
                 findings.end());
}

void ScanPipeline::process(const Blob& blob, Matcher::Scratch& scratch, DiagnosticSink& diagnostics,
                           std::vector<Finding>& out, ScanSummary& summary, uint64_t& expanded,
                           std::shared_ptr<const AppIdentity>* app) const {
  if (app && !*app && blob.app()) *app = blob.app();
  if (config_.open_containers) {
    for (const auto& ex : extractor_registry()) {
      if (!ex->sniff(blob)) continue;
      if (blob.depth() >= config_.limits.max_depth) {
        diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                         "nesting deeper than " + std::to_string(config_.limits.max_depth) +
                             " containers; scanned as raw bytes");
        break;
      }
      ExtractContext ctx{config_.limits, diagnostics, &expanded, budget_.get()};
      auto r = ex->extract(blob, ctx, [&](Blob child) {
        process(child, scratch, diagnostics, out, summary, expanded, app);
      });
      if (!r) {
        Error e = r.error();
        if (e.path.empty()) e.path = blob.display_path();
        diagnostics.error(e, Severity::kWarning);
        // What could not be parsed is still scanned as bytes: a truncated file keeps its strings.
        break;
      }
      if (!ex->scan_raw_too()) return;
      break;
    }
  }
  std::vector<RuleMatch> matches;
  auto r = matcher_.scan(blob, scratch, matches);
  ++summary.blobs_scanned;
  summary.bytes_scanned += blob.size();
  if (!r) {
    diagnostics.error(r.error());
    return;
  }
  build_findings(blob, matcher_.rules(), matches, config_.finding, out);
  scan_decoded(blob, matcher_, scratch, config_.limits, config_.finding, diagnostics, out);
}

void ScanPipeline::scan_blob(const Blob& blob, Matcher::Scratch& scratch,
                             DiagnosticSink& diagnostics, std::vector<Finding>& out,
                             ScanSummary& summary, std::shared_ptr<const AppIdentity>* app) const {
  uint64_t expanded = 0;
  std::vector<Finding> found;
  process(blob, scratch, diagnostics, found, summary, expanded, app);
  drop_decoded_duplicates(found);  // before pairing, so a pair is built from what is reported
  // One top-level input is one pairing scope: a file, or an app package with everything in it.
  PairingStats ps = pair_findings(found, matcher_.rules());
  if (ps.bound_hit)
    diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                     "more than " + std::to_string(kMaxPairsPerScope) +
                         " credential pairs; the remaining parts are reported unpaired");
  std::move(found.begin(), found.end(), std::back_inserter(out));
}

ScanOutcome ScanPipeline::scan_paths(const std::vector<std::string>& paths,
                                     DiagnosticSink& outer) const {
  auto t0 = std::chrono::steady_clock::now();
  CountingSink diagnostics(outer);
  unsigned jobs = config_.jobs ? config_.jobs : std::max(1u, std::thread::hardware_concurrency());
  WorkQueue<WalkedFile> queue(jobs * 64);

  struct WorkerState {
    std::vector<Finding> findings;
    ScanSummary summary;
    uint64_t findings_seen = 0;  // counted as they pass, for when they are not kept
  };
  std::vector<WorkerState> states(jobs);
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < jobs; ++i) {
    workers.emplace_back([&, i] {
      auto scratch = matcher_.make_scratch();
      std::string buffer;
      WorkerState& st = states[i];
      WalkedFile wf;
      ScanObserver* observer = config_.observer;
      while (queue.pop(wf)) {
        // With an observer, each input's diagnostics are also kept apart, to go with its report.
        InputDiagnostics input_diagnostics(diagnostics, observer != nullptr);
        auto unread = [&] {
          if (observer) observer->input_done(*input_diagnostics.report_for(wf));
        };
        // Could not be read, as opposed to skipped by the user's own --max-file-size.
        auto failed = [&] {
          ++st.summary.inputs_unread;
          unread();
        };
        if (wf.problem) {  // the walk could not open it as a file: reported as this input's own
          input_diagnostics.report(*wf.problem);
          failed();
          continue;
        }
        if (wf.size > config_.limits.max_file_size) {
          input_diagnostics.warn(DiagnosticKind::kTooLarge, wf.path,
                                 "skipped: " + std::to_string(wf.size) +
                                     " bytes is over --max-file-size (" +
                                     std::to_string(config_.limits.max_file_size) + ")");
          unread();
          continue;
        }
        std::shared_ptr<const MappedFile> mapping;
        std::string_view bytes;
        if (wf.size <= kReadThreshold) {
          auto r = read_small_file(wf.path, wf.size, buffer);
          if (!r) {
            input_diagnostics.error(r.error(), Severity::kWarning);
            failed();
            continue;
          }
          bytes = *r;
        } else {
          auto m = MappedFile::open(wf.path);
          if (!m) {
            input_diagnostics.error(m.error(), Severity::kWarning);
            failed();
            continue;
          }
          mapping = *m;
          bytes = mapping->bytes();
        }
        std::string content_sha256;
        if (observer && observer->wants_content_hash()) {
          content_sha256 = sha256_hex(bytes);
          if (observer->skip_content(wf, content_sha256)) {
            observer->input_skipped(wf);
            continue;
          }
        }
        ++st.summary.files_scanned;
        if (!looks_binary(bytes) && !is_valid_utf8(bytes)) {
          input_diagnostics.warn(DiagnosticKind::kInvalidUtf8, wf.path,
                                 "text file is not valid UTF-8; scanned as bytes, output shows U+FFFD");
        }
        Blob blob(bytes, mapping, {wf.path});
        if (!observer) {
          scan_blob(blob, *scratch, diagnostics, st.findings, st.summary);
          continue;
        }
        ScanSummary before = st.summary;
        auto report = input_diagnostics.report_for(wf);
        report->content_sha256 = std::move(content_sha256);
        scan_blob(blob, *scratch, input_diagnostics, report->findings, st.summary, &report->app);
        sort_findings(report->findings);
        report->blobs_scanned = st.summary.blobs_scanned - before.blobs_scanned;
        report->bytes_scanned = st.summary.bytes_scanned - before.bytes_scanned;
        for (auto& d : input_diagnostics.take()) report->diagnostics.push_back(std::move(d));
        st.findings_seen += report->findings.size();
        observer->input_done(*report);
        if (config_.keep_findings)
          std::move(report->findings.begin(), report->findings.end(),
                    std::back_inserter(st.findings));
      }
    });
  }

  WalkStats ws = walk_files(paths, config_.walk, diagnostics,
                            [&](WalkedFile f) {
                              if (!in_shard(f.path, config_.shard)) return;
                              if (config_.observer) config_.observer->input_queued(f);
                              queue.push(std::move(f));
                            });
  queue.close();
  for (auto& t : workers) t.join();

  ScanOutcome outcome;
  uint64_t findings_seen = 0;
  for (auto& st : states) {
    findings_seen += st.findings_seen;
    outcome.summary.add_read_counts(st.summary);
    std::move(st.findings.begin(), st.findings.end(), std::back_inserter(outcome.findings));
  }
  sort_findings(outcome.findings);
  outcome.summary.findings = config_.keep_findings || !config_.observer ? outcome.findings.size()
                                                                       : findings_seen;
  outcome.summary.symlinks_skipped = ws.symlinks_skipped;
  outcome.summary.git_dirs_skipped = ws.git_dirs_skipped;
  outcome.summary.gitignored = ws.gitignored;
  outcome.summary.diagnostics_by_kind = diagnostics.by_kind;
  outcome.summary.diagnostics = diagnostics.all;
  outcome.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return outcome;
}

}  // namespace keysweep
