#include "cli/fleet_scan.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <mutex>

#include "cli/options.h"
#include "cli/progress.h"
#include "input/input_list.h"
#include "input/shard.h"
#include "store/datastore.h"
#include "store/metadata_csv.h"
#include "verify/verification_engine.h"

namespace keysweep::cli {

void add_fleet_options(CLI::App& cmd, FleetArgs& a) {
  const char* group = "Fleet scans (docs/FLEET.md)";
  cmd.add_option("--datastore", a.datastore,
                 "Write apps, files, findings and run metadata into this store: a SQLite file "
                 "path, or postgresql://... for many machines writing one store. Inputs already "
                 "stored (same content SHA-256) are skipped")
      ->group(group);
  cmd.add_option("--input-list", a.input_list, "Scan the paths listed in FILE, one per line ('-' = stdin)")
      ->group(group);
  cmd.add_option("--metadata", a.metadata,
                 "CSV of app_id, publisher, installs, store, imported into the datastore and "
                 "joined into reports")
      ->group(group);
  cmd.add_option("--shard", a.shard,
                 "K/N: scan only the inputs of shard K of N (a stable hash of each path), for "
                 "array jobs")
      ->group(group);
  cmd.add_option("--progress", a.progress,
                 "auto (a bar on a terminal, plain lines otherwise), always, plain or never")
      ->capture_default_str()
      ->group(group);
  cmd.add_option("--progress-interval", a.progress_interval, "Seconds between plain progress lines")
      ->capture_default_str()
      ->group(group);
}

Result<std::vector<std::string>> scan_inputs(const ScanArgs& a) {
  std::vector<std::string> paths = a.paths;
  if (!a.fleet.input_list.empty()) {
    auto listed = read_input_list(a.fleet.input_list);
    if (!listed) return std::unexpected(listed.error());
    paths.insert(paths.end(), listed->begin(), listed->end());
  }
  if (paths.empty())
    return make_error(ErrorCode::kConfig,
                      a.fleet.input_list.empty() ? "nothing to scan: give paths or --input-list"
                                                 : "the input list names no path",
                      a.fleet.input_list);
  return paths;
}

namespace {

class NullDiagnostics final : public DiagnosticSink {
 public:
  void report(Diagnostic) override {}
};

// Feeds the progress display and, with a datastore, writes each input as it is done.
class FleetScanImpl final : public FleetScan, public ScanObserver {
 public:
  FleetScanImpl(const ScanArgs& args, std::unique_ptr<store::Datastore> store,
                std::unique_ptr<Progress> progress, Shard shard, std::vector<std::string> paths)
      : args_(args), store_(std::move(store)), progress_(std::move(progress)), shard_(shard),
        paths_(std::move(paths)) {}

  bool has_datastore() const override { return store_ != nullptr; }

  bool wants_content_hash() const override { return store_ != nullptr; }

  bool skip_content(const WalkedFile& wf, const std::string& sha256) override {
    auto stored = store_->has_input(sha256);
    if (!stored) {
      store_failed(stored.error());
      return false;
    }
    return *stored;
  }

  void input_started(const WalkedFile& wf) override {
    if (progress_) progress_->input_started(wf.path);
  }

  void input_skipped(const WalkedFile& wf) override {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    if (progress_) {
      progress_->input_ended(wf.path);
      progress_->input_skipped(wf.size);
    }
  }

  // --verify with --datastore: each input's findings are checked before they are written (one
  // engine for the run, so a credential found in many apps is asked about once).
  void set_verifier(std::unique_ptr<verify::VerificationEngine> engine) { verifier_ = std::move(engine); }

  void input_done(InputReport& r) override {
    if (verifier_) {
      std::lock_guard lock(verify_mu_);
      auto stats = verifier_->verify(r.findings);
      if (!stats.offline_reason.empty() && !offline_told_) {
        offline_told_ = true;
        offline_reason_ = stats.offline_reason;
        std::fprintf(stderr, "keysweep: verification skipped: no network (%s)\n",
                     stats.offline_reason.c_str());
      }
      if (args_.only_verified) not_live_.add(count_not_live(r.findings));
      if (args_.only_verified)
        std::erase_if(r.findings, [](const Finding& f) {
          return f.verification.status != Verification::Status::kLive;
        });
    }
    if (store_) {
      store::InputRecord rec;
      rec.path = r.path;
      rec.content_sha256 = r.content_sha256;
      rec.size = r.size;
      if (r.app) rec.app = *r.app;
      rec.blobs_scanned = r.blobs_scanned;
      rec.bytes_scanned = r.bytes_scanned;
      rec.diagnostics = r.diagnostics;
      auto w = store_->write_input(run_id_, rec, r.findings);
      if (!w) {
        store_failed(w.error());
      } else if (*w) {
        stored_.fetch_add(1, std::memory_order_relaxed);
        findings_.fetch_add(r.findings.size(), std::memory_order_relaxed);
        bytes_.fetch_add(r.bytes_scanned, std::memory_order_relaxed);
      } else {
        skipped_.fetch_add(1, std::memory_order_relaxed);  // same content committed meanwhile
      }
    }
    if (progress_) {
      progress_->input_ended(r.path);
      progress_->input_done(r.size, r.findings.size());
    }
  }

  int run_into_datastore(const ScanPipeline& pipeline, DiagnosticSink& diagnostics) override {
    std::string command = "keysweep scan";
    if (!shard_.all()) command += " --shard " + shard_.to_string();
    if (!args_.fleet.input_list.empty()) command += " --input-list " + args_.fleet.input_list;
    for (const auto& p : args_.paths) command += " " + p;
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    uint64_t interrupted = 0;
    auto run = store_->begin_run(
        {kVersion, host, command, shard_.all() ? "" : shard_.to_string(), static_cast<int64_t>(getpid())},
        &interrupted);
    if (!run) return fail(run.error());
    if (interrupted)
      std::fprintf(stderr, "keysweep: %llu earlier run%s on this host died midway: marked interrupted\n",
                   static_cast<unsigned long long>(interrupted), interrupted == 1 ? "" : "s");
    run_id_ = *run;

    ScanOutcome outcome = pipeline.scan_paths(paths_, diagnostics);
    finish_progress();

    store::RunTotals totals{stored_, skipped_, bytes_, findings_};
    auto fin = store_->finish_run(run_id_, totals);
    if (!fin) store_failed(fin.error());
    {
      std::lock_guard lock(mu_);
      if (first_store_error_) return fail(*first_store_error_);
    }
    std::printf("keysweep: stored %llu input%s (%llu already stored, skipped), %llu finding%s in %s "
                "(run %lld)",
                static_cast<unsigned long long>(totals.inputs_scanned),
                totals.inputs_scanned == 1 ? "" : "s",
                static_cast<unsigned long long>(totals.inputs_skipped),
                static_cast<unsigned long long>(totals.findings), totals.findings == 1 ? "" : "s",
                display_target().c_str(), static_cast<long long>(run_id_));
    // Problem inputs are stored too (status 'error', with their reason), and counted apart here.
    if (const uint64_t n = outcome.summary.inputs_unread)
      std::printf("; %llu of them could not be read", static_cast<unsigned long long>(n));
    // Over --max-file-size or changed while read: stored too, with status error or partial.
    if (const uint64_t n = outcome.summary.not_fully_read.size() - outcome.summary.inputs_unread)
      std::printf("; %llu not fully read", static_cast<unsigned long long>(n));
    std::printf("\n");
    std::fflush(stdout);
    if (args_.only_verified) tell_only_verified(not_live_, offline_reason_);
    if (args_.exit_zero) return kExitClean;
    // Inputs the store already held were read (to hash them): the run did something.
    int rc = outcome.summary.had_errors() || outcome.summary.nothing_read(totals.inputs_skipped)
                 ? kExitError
             : totals.findings ? kExitFindings
                               : kExitClean;
    return args_.only_verified ? only_verified_exit(not_live_, rc) : rc;
  }

  void finish_progress() override {
    if (progress_) progress_->finish();
  }

  void set_run_totals(uint64_t inputs, uint64_t bytes) {
    if (progress_) progress_->set_total(inputs, bytes);
  }

 private:
  void store_failed(const Error& e) {
    std::lock_guard lock(mu_);
    if (!first_store_error_) {
      first_store_error_ = e;
      std::fprintf(stderr, "keysweep: error: datastore: %s\n", e.to_string().c_str());
    }
  }
  std::string display_target() const { return store::redact_conninfo(args_.fleet.datastore); }

  const ScanArgs& args_;
  std::unique_ptr<store::Datastore> store_;
  std::unique_ptr<Progress> progress_;
  Shard shard_;
  std::vector<std::string> paths_;
  int64_t run_id_ = 0;
  std::atomic<uint64_t> stored_{0}, skipped_{0}, findings_{0}, bytes_{0};
  std::mutex mu_;
  std::optional<Error> first_store_error_;
  std::unique_ptr<verify::VerificationEngine> verifier_;
  std::mutex verify_mu_;
  bool offline_told_ = false;
  std::string offline_reason_;
  OnlyVerifiedCounts not_live_;  // --only-verified: what was not stored, by why (verify_mu_)
};

}  // namespace

Result<std::unique_ptr<FleetScan>> FleetScan::prepare(const ScanArgs& a,
                                                      const std::vector<std::string>& paths,
                                                      ScanConfig& config) {
  const FleetArgs& f = a.fleet;
  Shard shard;
  if (!f.shard.empty()) {
    auto s = parse_shard(f.shard);
    if (!s) return std::unexpected(s.error());
    shard = *s;
  }
  ProgressStyle style;
  if (!parse_progress_style(f.progress, isatty(STDERR_FILENO), style))
    return make_error(ErrorCode::kConfig, "--progress wants auto, always, plain or never, not '" +
                                              f.progress + "'");
  if (a.quiet && f.progress == "auto") style = ProgressStyle::kNone;
  if (!(f.progress_interval > 0))
    return make_error(ErrorCode::kConfig, "--progress-interval must be positive");
  if (!f.metadata.empty() && f.datastore.empty())
    return make_error(ErrorCode::kConfig, "--metadata needs --datastore (reports join it there)");
  if (f.datastore.empty() && style == ProgressStyle::kPlain && f.progress == "auto")
    style = ProgressStyle::kNone;  // a plain one-off scan into a pipe: no log lines unasked

  std::unique_ptr<store::Datastore> store;
  if (!f.datastore.empty()) {
    auto s = store::Datastore::open(f.datastore);
    if (!s) return std::unexpected(s.error());
    store = std::move(*s);
    if (!f.metadata.empty()) {
      auto rows = store::read_metadata_csv(f.metadata);
      if (!rows) return std::unexpected(rows.error());
      auto up = store->upsert_metadata(*rows);
      if (!up) return std::unexpected(up.error());
    }
  }

  std::unique_ptr<Progress> progress;
  uint64_t total_inputs = 0, total_bytes = 0;
  if (style != ProgressStyle::kNone) {
    // A quick walk first, so the display knows the total and can give an ETA. Its diagnostics
    // are the scan's own walk's, reported there.
    NullDiagnostics quiet;
    walk_files(paths, config.walk, quiet, [&](WalkedFile wf) {
      if (!in_shard(wf.path, shard)) return;
      ++total_inputs;
      total_bytes += wf.size;
    });
    progress = std::make_unique<Progress>(style, f.progress_interval);
  }

  auto impl = std::make_unique<FleetScanImpl>(a, std::move(store), std::move(progress), shard, paths);
  if (impl->has_datastore() && (a.verify || a.only_verified)) {
    auto engine = make_verification_engine(a);
    if (!engine) return std::unexpected(engine.error());
    impl->set_verifier(std::move(*engine));
  }
  impl->set_run_totals(total_inputs, total_bytes);
  config.shard = shard;
  if (impl->has_datastore() || style != ProgressStyle::kNone) config.observer = impl.get();
  if (impl->has_datastore()) config.keep_findings = false;
  return std::unique_ptr<FleetScan>(std::move(impl));
}

}  // namespace keysweep::cli
