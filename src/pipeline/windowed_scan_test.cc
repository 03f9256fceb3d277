// A large plain file read in windows (window_plan.h) gives the findings a scan of the whole file
// gives: each once, at the same offset, line and column, paired across windows; and a file that
// changes while it is read or is over --max-file-size is listed as not fully read. The same for a
// mapped archive truncated under the mapping, and for files a failing disk cannot read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "core/secret.h"
#include "io/file_faults.h"
#include "pipeline/pipeline_test_support.h"
#include "pipeline/scan_pipeline.h"
#include "pipeline/window_plan.h"
#include "pipeline/windowed_scan.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

// Fake values of the right shape (tests/fixtures/fake_credentials.py style): issued by nobody.
constexpr const char* kKeyId = "AKIA2E4RTQ5NB7XKW3JM";
constexpr const char* kSecretKey = "q8VdJ3nR7tXw2LmZ5pKc9HsY4bGf6QaE1uN0O2gK";
constexpr const char* kGithubToken = "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";  // valid checksum

using pipeline_test::builtin_matcher;

class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_((fs::temp_directory_path() / ("keysweep-windowed-" + std::to_string(getpid()) + "-" + name)).string()) {}
  ~TempFile() { fs::remove(path_); }
  void write(const std::string& text) const { std::ofstream(path_, std::ios::binary) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Filler text no rule matches, with credentials at chosen places: some on lines of their own,
// some far into one long line with multi-byte characters before them (columns count code points).
std::string text_with_secrets(std::vector<uint64_t>& placed) {
  std::string text;
  auto filler = [&](size_t lines) {
    for (size_t i = 0; i < lines; ++i) text += "the quick brown fox " + std::to_string(i) + " jumps over the lazy dog\n";
  };
  auto place = [&](const std::string& line) {
    placed.push_back(text.size());
    text += line;
  };
  filler(3000);
  place(std::string("aws_access_key_id = ") + kKeyId + "\n");
  filler(2500);
  place(std::string("aws_secret_access_key = \"") + kSecretKey + "\"\n");
  filler(1200);
  // One long line: 40,000 bytes of words and "é" before a token, so its column depends on the
  // code points of earlier windows.
  for (int i = 0; i < 4000; ++i) text += "café très ";
  place(std::string("token ") + kGithubToken + " end\n");
  filler(2000);
  return text;
}

struct Scanned {
  std::vector<Finding> findings;
  ScanSummary summary;
};

Scanned scan(const std::string& path, uint64_t window, unsigned jobs = 2, ScanObserver* observer = nullptr,
            uint64_t max_file_size = kNoSizeLimit) {
  ScanConfig config;
  config.jobs = jobs;
  config.window_size = window;
  config.observer = observer;
  config.limits.max_file_size = max_file_size;
  // The overlap is the matcher's reach plus the longest run decoded whole: kept small here, so
  // windows are short and their edges cut through the text often.
  config.limits.max_decoded_run = 4096;
  CollectingDiagnostics diagnostics;
  ScanPipeline pipeline(builtin_matcher(), config);
  ScanOutcome out = pipeline.scan_paths({path}, diagnostics);
  return {std::move(out.findings), std::move(out.summary)};
}

std::string where(const Finding& f) {
  return f.rule_id + "@" + std::to_string(f.location.offset) + ":" + std::to_string(f.location.line) + ":" +
         std::to_string(f.location.column) + " " + f.snippet + " parts=" + std::to_string(f.parts.size());
}

std::vector<std::string> places(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    out.push_back(where(f));
    for (const auto& p : f.parts) out.push_back("  " + where(p));
  }
  return out;
}

TEST(WindowPlan, OwnPartsTileTheFileAndEachWindowReadsTheOverlapAround) {
  WindowPlan plan(10'000, 4096, 1000);
  ASSERT_EQ(plan.count(), 3u);
  uint64_t next = 0;
  for (size_t i = 0; i < plan.count(); ++i) {
    TextWindow w = plan[i];
    EXPECT_EQ(w.keep_begin, next);
    EXPECT_EQ(w.begin, w.keep_begin > 1000 ? w.keep_begin - 1000 : 0);
    EXPECT_EQ(w.end, std::min<uint64_t>(10'000, w.keep_end + 1000));
    next = w.keep_end;
  }
  EXPECT_EQ(next, 10'000u);
  EXPECT_EQ(WindowPlan(0, 4096, 1000).count(), 1u);
}

TEST(WindowPlacer, ColumnsOnALineThatStartedInAnEarlierWindowCountItsCodePoints) {
  // "aé\nxyzé" | "ééSECRET": the second window reads from the last "é" of the first's own part, so
  // its first line started 3 code points (x, y, z) before it.
  const std::string file = "a\xC3\xA9\nxyz\xC3\xA9\xC3\xA9\xC3\xA9SECRET";
  const TextWindow first{0, 9, 0, 9}, second{7, file.size(), 9, file.size()};
  WindowPlacer placer;
  std::vector<Finding> none;
  placer.place(first, tally_window(std::string_view(file).substr(0, 9), first), none);
  Finding f;
  f.location.offset = 13 - 7;  // "SECRET" in the second window
  f.location.line = 1;
  f.location.column = 4;  // after the three "é" the window starts with
  std::vector<Finding> found{f};
  placer.place(second, tally_window(std::string_view(file).substr(7), second), found);
  EXPECT_EQ(found[0].location.offset, 13u);
  EXPECT_EQ(found[0].location.line, 2u);
  EXPECT_EQ(found[0].location.column, 7u);  // x y z é é é, then SECRET
}

TEST(WindowTally, CountsEveryNewlineAndCodePointWhateverTheLengthAndAlignment) {
  // Counted 16 bytes at a time with per-lane sums taken every 255 blocks: lengths and starts that
  // are not multiples of 16, and runs past 255 * 16 bytes, against a byte-by-byte count.
  std::string text;
  uint32_t seed = 12345;
  const char* pieces[] = {"a", "\n",   "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x94\x91",
                          " ", "\r\n", "z"};
  while (text.size() < 9000) {
    seed = seed * 1103515245 + 12345;
    text += pieces[(seed >> 16) % 8];
  }
  auto naive = [](std::string_view s, uint64_t& newlines, uint64_t& points, uint64_t& tail) {
    newlines = points = tail = 0;
    for (char c : s) {
      if (c == '\n')
        ++newlines, tail = 0;
      else if ((static_cast<uint8_t>(c) & 0xC0) != 0x80)
        ++tail;
      if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) ++points;
    }
  };
  for (size_t begin : {0, 1, 7, 15, 17}) {
    for (size_t lead : {0, 3, 16, 300, 4085}) {
      for (size_t own : {0, 1, 15, 16, 33, 4080, 4081, 4096}) {
        if (begin + lead + own > text.size()) continue;
        const std::string_view bytes = std::string_view(text).substr(begin, lead + own + 5);
        const TextWindow w{begin, begin + bytes.size(), begin + lead, begin + lead + own};
        const WindowTally t = tally_window(bytes, w);
        uint64_t lead_newlines, lead_points, lead_tail, own_newlines, own_points, own_tail;
        naive(bytes.substr(0, lead), lead_newlines, lead_points, lead_tail);
        naive(bytes.substr(lead, own), own_newlines, own_points, own_tail);
        SCOPED_TRACE(std::to_string(begin) + " " + std::to_string(lead) + " " +
                     std::to_string(own));
        EXPECT_EQ(t.lead_newlines, lead_newlines);
        EXPECT_EQ(t.lead_points, lead_points);
        EXPECT_EQ(t.kept_newlines, own_newlines);
        EXPECT_EQ(t.kept_has_newline, own_newlines > 0);
        EXPECT_EQ(t.kept_tail_points, own_tail);
      }
    }
  }
}

TEST(WindowedScan, FindsWhatAWholeScanFindsOnceEachWhereverTheWindowsFall) {
  std::vector<uint64_t> placed;
  TempFile file("same.txt");
  const std::string text = text_with_secrets(placed);
  file.write(text);
  ASSERT_GT(text.size(), 100u * 4096);  // many windows of 4 KiB
  Scanned whole = scan(file.path(), 1ull << 40);
  ASSERT_EQ(whole.findings.size(), 2u) << ::testing::PrintToString(places(whole.findings));  // a pair, a token
  for (uint64_t window : {4096ull, 5000ull, 65536ull}) {
    // Every placed credential also straddles a window edge in one of these runs.
    Scanned windowed = scan(file.path(), window);
    EXPECT_EQ(places(windowed.findings), places(whole.findings)) << "window " << window;
    EXPECT_EQ(windowed.summary.files_scanned, 1u);
    EXPECT_EQ(windowed.summary.bytes_scanned, text.size());
    EXPECT_TRUE(windowed.summary.not_fully_read.empty());
  }
  // A credential exactly across an edge: the key id's first half in one window, the rest in the next.
  const uint64_t id_at = placed[0] + std::string("aws_access_key_id = ").size();
  Scanned across = scan(file.path(), id_at + 10, 1);
  EXPECT_EQ(places(across.findings), places(whole.findings));
}

// UTF-16 of `utf8` (little-endian unless `big_endian`), with a byte order mark when `bom`.
std::string utf16_of(const std::string& utf8, bool big_endian, bool bom) {
  std::string out;
  auto unit = [&](uint32_t u) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  };
  if (bom) unit(0xFEFF);
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<uint8_t>(utf8[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = cp << 6 | (static_cast<uint8_t>(utf8[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

// A UTF-16 text file of several windows (and of one line longer than a window): the credentials
// after the first window are found at the lines and columns a scan of the whole file gives, which
// are those of the text. Its characters hold the byte 0x0A without being newlines (U+4E0A, and a
// surrogate pair, U+1F40A), and windows of an odd size would cut a code unit in two.
TEST(WindowedScan, AUtf16FileGetsTheLinesAndColumnsOfItsTextInEveryWindow) {
  std::string text;
  std::vector<std::pair<uint32_t, uint32_t>> expected;  // line, column (code points) of each
  uint32_t line = 1;
  auto filler = [&](int lines) {
    for (int i = 0; i < lines; ++i, ++line) text += "log \xE4\xB8\x8A\xE6\xB5\xB7 " + std::to_string(i) + " \xF0\x9F\x90\x8A ok\n";
  };
  filler(1500);
  text += std::string("aws_access_key_id = ") + kKeyId + "\n";
  expected.push_back({line++, 21});
  filler(1500);
  for (int i = 0; i < 6000; ++i) text += "\xE4\xB8\x8A";  // 12,000 bytes of UTF-16 on one line
  text += std::string(" token ") + kGithubToken + "\n";
  expected.push_back({line++, 6008});
  filler(1500);
  for (bool big_endian : {false, true})
    for (bool bom : {true, false}) {
      if (big_endian && !bom) continue;  // a file without one is taken as little-endian first
      TempFile file(std::string("utf16-") + (big_endian ? "be" : "le") + (bom ? "-bom" : "") + ".txt");
      const std::string bytes = utf16_of(text, big_endian, bom);
      file.write(bytes);
      Scanned whole = scan(file.path(), 1ull << 40);
      ASSERT_EQ(whole.findings.size(), 2u) << ::testing::PrintToString(places(whole.findings));
      std::vector<std::pair<uint32_t, uint32_t>> at;
      for (const Finding& f : whole.findings) at.push_back({f.location.line, f.location.column});
      std::sort(at.begin(), at.end());
      EXPECT_EQ(at, expected);
      for (uint64_t window : {4096ull, 4097ull, 5001ull, 16384ull}) {
        ASSERT_GT(bytes.size(), 4 * window);
        Scanned windowed = scan(file.path(), window);
        EXPECT_EQ(places(windowed.findings), places(whole.findings)) << "window " << window << " be " << big_endian;
        EXPECT_EQ(windowed.summary.bytes_scanned, bytes.size());
      }
    }
}

class Recorder final : public ScanObserver {
 public:
  std::function<void(const WalkedFile&)> on_queued;
  bool hash = false;
  std::vector<InputReport> reports;
  void input_queued(const WalkedFile& f) override {
    if (on_queued) on_queued(f);
  }
  bool wants_content_hash() const override { return hash; }
  void input_done(InputReport& r) override { reports.push_back(r); }
};

// A file of text_with_secrets() in 4 KiB windows, `change` done to it after the walk listed its
// size and before any worker reads it.
struct ChangedScan {
  std::vector<uint64_t> placed;
  std::string text;
  Scanned result;
};
ChangedScan scan_changed(const std::string& name, const std::function<void(const std::string& path, const ChangedScan&)>& change,
                         Recorder& recorder) {
  ChangedScan c;
  TempFile file(name);
  c.text = text_with_secrets(c.placed);
  file.write(c.text);
  recorder.on_queued = [&](const WalkedFile&) { change(file.path(), c); };
  c.result = scan(file.path(), 4096, 2, &recorder);
  return c;
}

TEST(WindowedScan, TheObserverGetsTheWholeFilesHashAndOneReport) {
  Recorder recorder;
  recorder.hash = true;
  ChangedScan c = scan_changed("hash.txt", [](const std::string&, const ChangedScan&) {}, recorder);
  ASSERT_EQ(recorder.reports.size(), 1u);
  EXPECT_EQ(recorder.reports[0].content_sha256, sha256_hex(c.text));
  EXPECT_EQ(recorder.reports[0].findings.size(), 2u);
  EXPECT_EQ(recorder.reports[0].bytes_scanned, c.text.size());
}

TEST(WindowedScan, AFileThatShrinksWhileReadIsScannedAsFarAsItGoesAndListed) {
  Recorder recorder;
  // Cut where the second credential starts: the first stays.
  ChangedScan c = scan_changed(
      "shrinks.txt", [](const std::string& path, const ChangedScan& c) { fs::resize_file(path, c.placed[1]); },
      recorder);
  const ScanSummary& s = c.result.summary;
  ASSERT_EQ(s.not_fully_read.size(), 1u);
  const Diagnostic& d = s.not_fully_read[0];
  EXPECT_TRUE(d.path.ends_with("shrinks.txt")) << d.path;
  EXPECT_EQ(d.kind, DiagnosticKind::kChanged);
  EXPECT_NE(d.message.find("shrank while read"), std::string::npos) << d.message;
  ASSERT_EQ(c.result.findings.size(), 1u);
  EXPECT_EQ(c.result.findings[0].rule_id, "aws.access_key_id");
  EXPECT_EQ(s.bytes_scanned, c.placed[1]);
  ASSERT_EQ(recorder.reports.size(), 1u);  // the observer (a datastore) gets it with its reason
  ASSERT_FALSE(recorder.reports[0].diagnostics.empty());
  EXPECT_EQ(recorder.reports[0].diagnostics.back().kind, DiagnosticKind::kChanged);
}

TEST(WindowedScan, AFileThatGrowsWhileReadIsListedWithTheBytesScanned) {
  Recorder recorder;
  ChangedScan c = scan_changed(
      "grows.txt", [](const std::string& path, const ChangedScan&) { std::ofstream(path, std::ios::app) << "more\n"; },
      recorder);
  const ScanSummary& s = c.result.summary;
  ASSERT_EQ(s.not_fully_read.size(), 1u);
  EXPECT_EQ(s.not_fully_read[0].kind, DiagnosticKind::kChanged);
  EXPECT_NE(s.not_fully_read[0].message.find("grew while read"), std::string::npos);
  EXPECT_EQ(c.result.findings.size(), 2u);
  EXPECT_EQ(s.bytes_scanned, c.text.size());
}

TEST(WindowedScan, ASmallFileThatShrinksIsListedToo) {
  TempFile file("small.txt");
  file.write(std::string("aws_access_key_id = ") + kKeyId + "\n" + std::string(2000, 'x'));
  Recorder recorder;
  recorder.on_queued = [&](const WalkedFile&) { fs::resize_file(file.path(), 100); };
  Scanned r = scan(file.path(), 4096, 1, &recorder);
  ASSERT_EQ(r.summary.not_fully_read.size(), 1u);
  EXPECT_EQ(r.summary.not_fully_read[0].kind, DiagnosticKind::kChanged);
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(WindowedScan, AFileOverMaxFileSizeIsSkippedAndListed) {
  TempFile file("big.txt");
  file.write(std::string("aws_access_key_id = ") + kKeyId + "\n");
  Scanned r = scan(file.path(), 4096, 1, nullptr, 10);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.summary.files_scanned, 0u);
  EXPECT_EQ(r.summary.inputs_unread, 0u);  // skipped by choice: not a failed run
  ASSERT_EQ(r.summary.not_fully_read.size(), 1u);
  EXPECT_EQ(r.summary.not_fully_read[0].kind, DiagnosticKind::kTooLarge);
  EXPECT_EQ(r.summary.not_fully_read[0].path, file.path());
}

// A zip archive of stored entries (no compression), as `zip -0` writes it.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  auto crc32 = [](std::string_view data) {
    uint32_t c = 0xFFFFFFFFu;
    for (char ch : data) {
      c ^= static_cast<uint8_t>(ch);
      for (int k = 0; k < 8; ++k) c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
  };
  auto le = [](std::string& out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
  };
  std::string out, cd;
  for (const auto& [name, data] : entries) {
    const uint64_t at = out.size();
    const uint32_t crc = crc32(data);
    auto common = [&](std::string& h) {
      le(h, 20, 2), le(h, 0, 2), le(h, 0, 2), le(h, 0, 2), le(h, 0, 2);  // version, flags, stored, time, date
      le(h, crc, 4), le(h, data.size(), 4), le(h, data.size(), 4), le(h, name.size(), 2), le(h, 0, 2);
    };
    le(out, 0x04034b50, 4), common(out), out += name, out += data;
    le(cd, 0x02014b50, 4), le(cd, 20, 2), common(cd);
    le(cd, 0, 2), le(cd, 0, 2), le(cd, 0, 2), le(cd, 0, 4), le(cd, at, 4), cd += name;
  }
  const uint64_t cd_at = out.size();
  out += cd;
  le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2), le(out, entries.size(), 2), le(out, entries.size(), 2);
  le(out, cd.size(), 4), le(out, cd_at, 4), le(out, 0, 2);
  return out;
}

// Sets `faults` for one scope.
struct ScopedFaults {
  explicit ScopedFaults(FileFaults f) : faults(std::move(f)) { set_file_faults(&faults); }
  ~ScopedFaults() { set_file_faults(nullptr); }
  FileFaults faults;
};

// A directory of an archive (mapped whole: it is over the 4 KiB window) holding a key id, a small
// .env with a token and a log of windows.
struct ArchiveTree {
  ArchiveTree()
      : dir(fs::temp_directory_path() / ("keysweep-changes-" + std::to_string(getpid()))),
        archive((dir / "app.apk").string()), env((dir / "app.env").string()), log((dir / "server.log").string()) {
    fs::create_directories(dir);
    std::string filler;
    for (int i = 0; i < 400; ++i) filler += "the quick brown fox " + std::to_string(i) + "\n";
    std::ofstream(archive, std::ios::binary)
        << stored_zip({{"assets/readme.txt", filler}, {"assets/config.env", std::string("aws_access_key_id = ") + kKeyId + "\n"}});
    std::ofstream(env, std::ios::binary) << "GITHUB_TOKEN=" << kGithubToken << "\n";
    std::ofstream(log, std::ios::binary) << filler << filler << "GITHUB_TOKEN=" << kGithubToken << "\n";
  }
  ~ArchiveTree() { fs::remove_all(dir); }
  Scanned scan() const { return keysweep::scan(dir.string(), 4096, 2); }
  fs::path dir;
  std::string archive, env, log;
};

std::vector<std::string> rule_ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.rule_id + " " + fs::path(f.location.chain.front()).filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FileChanges, AnArchiveTruncatedUnderItsMappingIsListedAndTheScanGoesOn) {
  ArchiveTree tree;
  Scanned intact = tree.scan();
  ASSERT_EQ(rule_ids(intact.findings), (std::vector<std::string>{"aws.access_key_id app.apk", "github.pat_classic app.env",
                                                                 "github.pat_classic server.log"}));
  ASSERT_TRUE(intact.summary.not_fully_read.empty());
  // Cut to its first 100 bytes once it is mapped and before a byte of it is read: every read of
  // the rest (the central directory at the end first) faults. Without the guard: SIGBUS.
  FileFaults f;
  f.after_open = [&](const std::string& path, int) {
    if (path == tree.archive) {
      ASSERT_EQ(truncate(path.c_str(), 100), 0);
    }
  };
  ScopedFaults scoped(std::move(f));
  Scanned cut = tree.scan();
  EXPECT_EQ(rule_ids(cut.findings), (std::vector<std::string>{"github.pat_classic app.env", "github.pat_classic server.log"}));
  ASSERT_EQ(cut.summary.not_fully_read.size(), 1u);
  const Diagnostic& d = cut.summary.not_fully_read[0];
  EXPECT_EQ(d.path, tree.archive);
  EXPECT_EQ(d.kind, DiagnosticKind::kChanged);
  EXPECT_EQ(d.severity, Severity::kWarning);
  EXPECT_NE(d.message.find("shrank while read"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("100 now"), std::string::npos) << d.message;
  EXPECT_EQ(cut.summary.files_scanned, 3u);
  EXPECT_FALSE(cut.summary.had_errors());
}

TEST(FileChanges, ASmallFileThatGrowsIsScannedAsListedAndSaysSo) {
  TempFile file("grows-small.txt");
  const std::string text = std::string("aws_access_key_id = ") + kKeyId + "\n";
  file.write(text);
  Recorder recorder;
  recorder.on_queued = [&](const WalkedFile&) { std::ofstream(file.path(), std::ios::app) << "more text\n"; };
  Scanned r = scan(file.path(), 4096, 1, &recorder);
  ASSERT_EQ(r.summary.not_fully_read.size(), 1u);
  EXPECT_EQ(r.summary.not_fully_read[0].kind, DiagnosticKind::kChanged);
  EXPECT_NE(r.summary.not_fully_read[0].message.find("grew while read: " + std::to_string(text.size()) + " bytes"),
            std::string::npos)
      << r.summary.not_fully_read[0].message;
  EXPECT_EQ(r.summary.bytes_scanned, text.size());
  EXPECT_EQ(r.findings.size(), 1u);
}

TEST(FileChanges, AReadErrorNamesTheFileAndTheErrnoAndMakesTheRunIncomplete) {
  ArchiveTree tree;
  // EIO for every read of the small .env, and for the windows of the log from its 8th KiB on.
  FileFaults f;
  f.read_error = [&](const std::string& path, uint64_t offset, uint64_t length) {
    return path == tree.env || (path == tree.log && offset + length > 8192) ? EIO : 0;
  };
  ScopedFaults scoped(std::move(f));
  Scanned r = tree.scan();
  // The archive is read (mapped) as ever.
  EXPECT_EQ(rule_ids(r.findings), (std::vector<std::string>{"aws.access_key_id app.apk"}));
  ASSERT_EQ(r.summary.not_fully_read.size(), 2u);
  for (const Diagnostic& d : r.summary.not_fully_read) {
    EXPECT_TRUE(d.path == tree.env || d.path == tree.log) << d.path;
    EXPECT_EQ(d.kind, DiagnosticKind::kUnreadable);
    EXPECT_EQ(d.severity, Severity::kError);
    EXPECT_NE(d.message.find("cannot read: Input/output error"), std::string::npos) << d.message;
  }
  // One diagnostic a file: the bytes the error kept from the scan are not also called a change.
  for (const Diagnostic& d : r.summary.diagnostics) EXPECT_NE(d.kind, DiagnosticKind::kChanged) << d.to_string();
  EXPECT_TRUE(r.summary.had_errors());  // exit 2: the scan is incomplete
}

}  // namespace
}  // namespace keysweep
