// A container's top-level entries read in parts by several workers (container_parts.h) give what
// one worker reading it whole gives: the same findings (a credential whose halves lie in entries
// of different parts still paired), the same diagnostics in the same order, the same counts and
// app identity; a zip bomb inside is still stopped, and the expansion limit of one input still
// holds across its parts. Fixtures: tests/fixtures/make_container_parts_fixtures.py.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "pipeline/container_parts.h"
#include "pipeline/pipeline_test_support.h"
#include "pipeline/scan_pipeline.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

using pipeline_test::builtin_matcher;

// Records each input's report and which threads took up parts. With `hold_first_part`, the worker
// that takes up the first part waits there until another part has started on another thread: the
// parts can then only have been read by more than one worker, whatever the timing.
class PartsObserver final : public ScanObserver {
 public:
  explicit PartsObserver(bool hold_first_part) : hold_(hold_first_part) {}
  void part_started(const WalkedFile&, size_t part, size_t parts) override {
    std::unique_lock lock(mu_);
    threads_.insert(std::this_thread::get_id());
    parts_ = parts;
    if (++started_ > 1) {
      cv_.notify_all();
    } else if (hold_ && parts > 1) {
      cv_.wait_for(lock, std::chrono::seconds(60), [&] { return started_ > 1; });
    }
  }
  void input_done(InputReport& report) override {
    std::lock_guard lock(mu_);
    reports_.push_back(report);
  }
  size_t threads() const { return threads_.size(); }
  size_t parts() const { return parts_; }
  size_t started() const { return started_; }
  const std::vector<InputReport>& reports() const { return reports_; }

 private:
  bool hold_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::thread::id> threads_;
  size_t parts_ = 0, started_ = 0;
  std::vector<InputReport> reports_;
};

struct Scan {
  std::vector<Finding> findings;
  ScanSummary summary;
  std::vector<Diagnostic> diagnostics;  // as the run's sink got them
  InputReport report;
  size_t parts = 0, part_threads = 0;
};

class ContainerPartsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/keysweep-parts-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string cmd = "/usr/bin/python3 " KEYSWEEP_SOURCE_DIR "/tests/fixtures/make_container_parts_fixtures.py " +
                      dir_.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // `part_size` 1: every entry that is read is a part of its own, up to 4 parts per worker.
  static Scan scan(const std::string& name, unsigned jobs, uint64_t part_size = 1, Limits limits = {},
                   bool hold_first_part = false) {
    ScanConfig config;
    config.jobs = jobs;
    config.container_part_size = part_size;
    config.limits = limits;
    PartsObserver observer(hold_first_part);
    config.observer = &observer;
    CollectingDiagnostics diagnostics;
    ScanPipeline pipeline(builtin_matcher(), config);
    ScanOutcome out = pipeline.scan_paths({(dir_ / name).string()}, diagnostics);
    Scan s{std::move(out.findings), std::move(out.summary), diagnostics.take(), {}, observer.parts(),
           observer.threads()};
    EXPECT_EQ(observer.reports().size(), 1u) << name;  // input_done once
    if (!observer.reports().empty()) s.report = observer.reports().front();
    EXPECT_EQ(observer.started(), observer.parts()) << name;  // each part taken up once
    return s;
  }

  static inline fs::path dir_;
};

std::string describe(const Finding& f) {
  std::string s = f.rule_id + " " + f.location.display_path() + " @" + std::to_string(f.location.offset) + " " +
                  f.fingerprint + " app=" + f.app.package + "/" + f.app.signer_sha256;
  for (const Finding& p : f.parts) s += " [" + describe(p) + "]";
  return s;
}

std::vector<std::string> describe(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(describe(f));
  return out;
}

std::vector<std::string> describe(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.to_string());
  return out;
}

std::string app_of(const InputReport& r) {
  return r.app ? r.app->platform + "|" + r.app->package + "|" + r.app->version + "|" + r.app->signer_sha256 : "-";
}

size_t count_containing(const std::vector<Diagnostic>& diagnostics, std::string_view part) {
  return std::count_if(diagnostics.begin(), diagnostics.end(),
                       [&](const Diagnostic& d) { return d.to_string().find(part) != std::string::npos; });
}

const Finding* pair_of(const std::vector<Finding>& findings, std::string_view rule) {
  for (const Finding& f : findings)
    if (f.rule_id == rule && f.is_pair()) return &f;
  return nullptr;
}

// One worker reading the container whole, against several reading it in parts.
void expect_same(const Scan& whole, const Scan& parts, const std::string& what) {
  EXPECT_EQ(describe(parts.findings), describe(whole.findings)) << what;
  EXPECT_EQ(describe(parts.report.findings), describe(whole.report.findings)) << what;
  EXPECT_EQ(describe(parts.diagnostics), describe(whole.diagnostics)) << what;
  EXPECT_EQ(describe(parts.report.diagnostics), describe(whole.report.diagnostics)) << what;
  EXPECT_EQ(app_of(parts.report), app_of(whole.report)) << what;
  EXPECT_EQ(parts.summary.files_scanned, whole.summary.files_scanned) << what;
  EXPECT_EQ(parts.summary.blobs_scanned, whole.summary.blobs_scanned) << what;
  EXPECT_EQ(parts.summary.bytes_scanned, whole.summary.bytes_scanned) << what;
  EXPECT_EQ(parts.report.blobs_scanned, whole.report.blobs_scanned) << what;
  EXPECT_EQ(parts.report.bytes_scanned, whole.report.bytes_scanned) << what;
  EXPECT_EQ(parts.summary.diagnostics_by_kind, whole.summary.diagnostics_by_kind) << what;
}

TEST_F(ContainerPartsTest, EntriesOfOneContainerGoToMoreThanOneWorker) {
  Scan s = scan("pair.zip", 2, 1, {}, /*hold_first_part=*/true);
  EXPECT_GT(s.parts, 1u);
  EXPECT_EQ(s.part_threads, 2u);
  // The key id (first entry) and its secret key (last entry) were read by different parts, and
  // are still reported as one credential.
  const Finding* pair = pair_of(s.findings, "aws.credentials");
  ASSERT_NE(pair, nullptr) << testing::PrintToString(describe(s.findings));
  EXPECT_EQ(pair->parts.size(), 2u);
}

TEST_F(ContainerPartsTest, OneWorkerOrSeveralFindTheSame) {
  for (const char* name : {"pair.zip", "app.apk", "bundle.xapk"}) {
    Scan whole = scan(name, 1);
    EXPECT_EQ(whole.parts, 0u) << name;  // one worker: never in parts
    for (auto [jobs, part_size] : {std::pair{2u, uint64_t{1}}, std::pair{3u, uint64_t{4096}}}) {
      Scan parts = scan(name, jobs, part_size);
      EXPECT_GT(parts.parts, 1u) << name;
      expect_same(whole, parts, std::string(name) + " -j" + std::to_string(jobs));
    }
    EXPECT_NE(pair_of(whole.findings, "aws.credentials"), nullptr) << name;
  }
  // The package's identity, read when it is opened, reaches the findings of every part.
  Scan apk = scan("app.apk", 2);
  EXPECT_NE(app_of(apk.report), "-");
  for (const Finding& f : apk.findings) EXPECT_FALSE(f.app.package.empty()) << describe(f);
}

TEST_F(ContainerPartsTest, EntryProblemsAreCappedAcrossParts) {
  // 60 entries keysweep cannot inflate: the first 50 are reported one by one, in entry order,
  // however the parts fell; then one line for the rest.
  Scan whole = scan("pair.zip", 1);
  Scan parts = scan("pair.zip", 2);
  for (const Scan* s : {&whole, &parts}) {
    EXPECT_EQ(count_containing(s->report.diagnostics, "unsupported compression method"), 50u);
    EXPECT_EQ(count_containing(s->report.diagnostics, "10 more problems with entries not shown"), 1u);
  }
  expect_same(whole, parts, "pair.zip");
}

TEST_F(ContainerPartsTest, ZipBombInsideAContainerReadInPartsIsStillStopped) {
  Scan whole = scan("bomb.zip", 1);
  Scan parts = scan("bomb.zip", 2);
  EXPECT_GT(parts.parts, 1u);
  for (const Scan* s : {&whole, &parts}) {
    EXPECT_EQ(count_containing(s->report.diagnostics, "bomb.zip!assets/zeros.bin: skipped (zip bomb?)"), 1u);
    EXPECT_EQ(count_containing(s->report.diagnostics, "bomb.zip!assets/nested_bomb.zip!zeros.bin: skipped (zip bomb?)"),
              1u);
    EXPECT_NE(pair_of(s->findings, "aws.credentials"), nullptr);
  }
  expect_same(whole, parts, "bomb.zip");
}

TEST_F(ContainerPartsTest, ExpansionLimitHoldsAcrossParts) {
  // Room for about half the entries of pair.zip: one reader stops at the same entry whichever
  // way the container was read, and the entries after it (the secret key) are not scanned.
  Limits limits;
  limits.max_total_expanded = 200 << 10;
  Scan whole = scan("pair.zip", 1, 1, limits);
  Scan parts = scan("pair.zip", 2, 1, limits);
  EXPECT_GT(parts.parts, 1u);
  for (const Scan* s : {&whole, &parts}) {
    EXPECT_EQ(count_containing(s->report.diagnostics, "stopped expanding this archive"), 1u);
    EXPECT_EQ(pair_of(s->findings, "aws.credentials"), nullptr);
    EXPECT_LT(s->summary.bytes_scanned, 300u << 10);
  }
  expect_same(whole, parts, "pair.zip under a small expansion limit");
}

// Parts are consecutive ranges that cover every entry once, of about the asked weight, and no
// more of them than asked.
class FixedEntries final : public ContainerEntries {
 public:
  explicit FixedEntries(std::vector<uint64_t> w) : w_(std::move(w)) {}
  size_t size() const override { return w_.size(); }
  uint64_t weight(size_t i) const override { return w_[i]; }
  size_t read(size_t, size_t, ExtractContext&, const EmitBlob&) const override { return 0; }
  size_t problem_reports_left() const override { return 0; }
  void finish(ExtractContext&, size_t) const override {}

 private:
  std::vector<uint64_t> w_;
};

TEST(EntryPartsPlan, RangesCoverTheEntriesInOrder) {
  FixedEntries entries({100, 0, 5000, 200, 200, 200, 9000, 0, 0, 100});
  for (size_t max_parts : {1u, 2u, 3u, 8u}) {
    auto ranges = plan_entry_parts(entries, 1000, max_parts);
    ASSERT_FALSE(ranges.empty());
    EXPECT_LE(ranges.size(), max_parts);
    EXPECT_EQ(ranges.front().first, 0u);
    EXPECT_EQ(ranges.back().last, entries.size());
    for (size_t i = 1; i < ranges.size(); ++i) EXPECT_EQ(ranges[i].first, ranges[i - 1].last);
  }
  // Small containers stay whole.
  EXPECT_EQ(plan_entry_parts(entries, 1 << 20, 8).size(), 1u);
  // The shares of the expansion limit add up to no more than what is left of it.
  auto ranges = plan_entry_parts(entries, 1000, 8);
  auto start = part_expansion_start(entries, ranges, 1000000, 1000);
  uint64_t shares = 0;
  for (uint64_t s : start) shares += 1000000 - s;
  EXPECT_LE(shares, 999000u);
  EXPECT_GT(shares, 990000u);
}

}  // namespace
}  // namespace keysweep
