// Zip extractor tests over fixtures written at test time by tests/fixtures/make_zip_fixtures.py,
// plus an oracle test against Python's zipfile over the real APKs shipped with Debian's androguard.
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "core/diagnostics.h"
#include "formats/format_test_support.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

using format_test::read_file;

struct Child {
  std::string path;  // display path, "nested.zip!libs/vendor.jar!..."
  std::string bytes;
  bool view_into_parent = false;
};

struct Extraction {
  std::vector<Child> children;
  std::vector<Diagnostic> diagnostics;
  bool ok = false;
  uint64_t expanded = 0;

  const Child* find(std::string_view path) const {
    for (const Child& c : children)
      if (c.path == path) return &c;
    return nullptr;
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const Child& c : children) out.push_back(c.path);
    std::sort(out.begin(), out.end());
    return out;
  }
  // The diagnostics whose path and message contain the given pieces.
  size_t count(DiagnosticKind kind, std::string_view path, std::string_view message_part) const {
    return std::count_if(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& d) {
      return d.kind == kind && d.path == path && d.message.find(message_part) != std::string::npos;
    });
  }
  std::string all_diagnostics() const {
    std::string s;
    for (const Diagnostic& d : diagnostics) s += d.to_string() + "\n";
    return s;
  }
};

class ZipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/keysweep-zip-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string cmd = "/usr/bin/python3 " KEYSWEEP_SOURCE_DIR "/tests/fixtures/make_zip_fixtures.py " +
                      dir_.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // Extracts `name` from the fixture directory. With `recurse`, children that sniff as zips are
  // extracted in turn (as the pipeline does, up to max_depth) and only leaves are recorded.
  static Extraction extract(const std::string& name, Limits limits = {}, bool recurse = false) {
    return extract_bytes(read_file(dir_ / name), name, limits, recurse);
  }

  static Extraction extract_bytes(std::string bytes, const std::string& name, Limits limits,
                                  bool recurse) {
    auto owner = std::make_shared<const std::string>(std::move(bytes));
    Blob blob(*owner, owner, {name});
    Extraction x;
    CollectingDiagnostics sink;
    ExtractContext ctx{limits, sink, &x.expanded};
    ZipExtractor zip;
    std::function<void(const Blob&)> visit = [&](const Blob& parent) {
      auto r = zip.extract(parent, ctx, [&](Blob child) {
        if (recurse && child.depth() < limits.max_depth && zip.sniff(child)) {
          visit(child);
          return;
        }
        std::string_view pb = parent.bytes(), cb = child.bytes();
        bool view = cb.data() >= pb.data() && cb.data() + cb.size() <= pb.data() + pb.size();
        x.children.push_back({child.display_path(), std::string(cb), view && !cb.empty()});
      });
      if (&parent == &blob) x.ok = r.has_value();
    };
    visit(blob);
    x.diagnostics = sink.take();
    return x;
  }

  static inline fs::path dir_;
};

const std::string kConfigJson =
    "{\n  \"twilio_account_sid\": \"AC5f1e0c93b7d24a6e8f0b1c2d3e4f5a6b\",\n  \"api_host\": "
    "\"api.example.net\"\n}\n";
const std::string kStoredText = "stripe_key = sk_live_7Hq2LmZx9RvT4bNc8WpK3sYd5FgJ1aEo\n";

TEST_F(ZipTest, NormalArchiveEmitsEveryTextEntryButNotDirectoriesOrMedia) {
  Extraction x = extract("normal.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"normal.zip!assets/config.json",
                                                 "normal.zip!lib/arm64-v8a/libnative.so",
                                                 "normal.zip!res/raw/stored.txt"}));
  EXPECT_EQ(x.find("normal.zip!assets/config.json")->bytes, kConfigJson);
  const Child* stored = x.find("normal.zip!res/raw/stored.txt");
  EXPECT_EQ(stored->bytes, kStoredText);
  EXPECT_TRUE(stored->view_into_parent) << "a stored entry must be a view, not a copy";
  EXPECT_TRUE(x.diagnostics.empty()) << x.all_diagnostics();
  EXPECT_EQ(x.expanded, kConfigJson.size() + x.find("normal.zip!lib/arm64-v8a/libnative.so")->bytes.size());
}

// The end record is found wherever the comment puts it, first or last in the searched range, past
// bytes that look like parts of its signature ('P', 'K', 0x06, which the search stops at) in the
// text before it and in its comment.
TEST(ZipLocate, TheEndRecordIsFoundPastPartsOfItsSignature) {
  std::mt19937 random(7);
  auto noise = [&](size_t n, std::string_view alphabet) {
    std::string s(n, '\0');
    for (char& c : s) c = alphabet[random() % alphabet.size()];
    return s;
  };
  size_t checked = 0;
  for (size_t before : {size_t{0}, size_t{1}, size_t{3}, size_t{5000}}) {
    for (size_t comment : {0, 1, 2, 3, 4, 21, 22, 23, 100, 65535}) {
      // An empty archive: its end record alone, pointing at no directory. A comment without 0x05
      // cannot hold a whole signature, so the record written here is the only one.
      std::string data = noise(before, "PK\x05\x06x");
      const uint64_t record = data.size();
      data += std::string("PK\x05\x06", 4) + std::string(16, '\0');
      data += static_cast<char>(comment & 0xFF);
      data += static_cast<char>(comment >> 8);
      data += noise(comment, "PK\x06x");
      auto loc = zip::locate_central_directory(data);
      ASSERT_TRUE(loc) << "before " << before << " comment " << comment << ": "
                       << loc.error().message;
      EXPECT_EQ(loc->cd_start, record) << "before " << before << " comment " << comment;
      EXPECT_EQ(loc->cd_size, 0u);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 40u);
}

// The sniffers' name check walks the directory as read_central_directory does: the same names
// are found, with the same entry limit and the same stop at a broken or cut-off record.
TEST_F(ZipTest, AnyCentralNameSeesExactlyTheEntriesTheDirectoryReaderReturns) {
  size_t checked = 0;
  for (const auto& file : fs::directory_iterator(dir_)) {
    const std::string original = read_file(file.path());
    auto loc0 = zip::locate_central_directory(original);
    if (!loc0) continue;
    std::vector<std::string> names;
    for (const zip::ZipEntry& e : zip::read_central_directory(original, *loc0, 1000).entries)
      names.push_back(e.raw_name);
    names.push_back("no/such/entry");
    // The archive as it is, then with each central record's signature broken in turn, then with
    // the directory cut short at every byte.
    std::vector<std::string> variants{original};
    for (size_t at = loc0->cd_start; at + 4 <= original.size(); ++at)
      if (original.compare(at, 4, "PK\x01\x02") == 0) {
        variants.push_back(original);
        variants.back()[at + 3] = 'X';
      }
    for (const std::string& data : variants) {
      // Every cut of the archive as it is; a broken record's variants are read whole.
      const uint64_t last_cut = &data == &variants.front() ? 0 : loc0->cd_size;
      for (uint64_t cut = loc0->cd_size; cut >= last_cut; --cut) {
        zip::CentralDirectoryLocation loc = *loc0;
        loc.cd_size = cut;
        for (uint64_t limit : {uint64_t{1}, uint64_t{2}, uint64_t{1000}}) {
          std::vector<std::string> read;
          for (const zip::ZipEntry& e : zip::read_central_directory(data, loc, limit).entries)
            read.push_back(e.raw_name);
          for (const std::string& n : names) {
            bool expected = std::find(read.begin(), read.end(), n) != read.end();
            EXPECT_EQ(zip::any_central_name(data, loc, limit, [&](std::string_view x) { return x == n; }),
                      expected)
                << file.path() << " cut " << cut << " limit " << limit << " name " << n;
            ++checked;
          }
        }
        if (cut == last_cut) break;
      }
    }
  }
  EXPECT_GT(checked, 100u);
}

// An entry the caller inflated already (the APK manifest) is taken as it is for that entry only,
// after the same checks; every other entry is inflated as before.
TEST_F(ZipTest, AnEntryInflatedByTheCallerIsNotInflatedAgain) {
  const std::string bytes = read_file(dir_ / "normal.zip");
  auto loc = zip::locate_central_directory(bytes);
  ASSERT_TRUE(loc);
  zip::ZipEntry config;
  for (const zip::ZipEntry& e : zip::read_central_directory(bytes, *loc, 100).entries)
    if (e.raw_name == "assets/config.json") config = e;
  ASSERT_EQ(config.method, zip::kMethodDeflated);
  ASSERT_TRUE(zip::resolve_local_header(bytes, config, nullptr));
  auto owner = std::make_shared<const std::string>(bytes);
  Blob blob(*owner, owner, {"normal.zip"});
  auto run = [&](InflatedEntry* inflated) {
    std::map<std::string, std::string> children;
    CollectingDiagnostics sink;
    uint64_t expanded = 0;
    ExtractContext ctx{Limits{}, sink, &expanded};
    EXPECT_TRUE(ZipExtractor::extract_with(blob, ctx, [&](Blob c) {
      children[c.display_path()] = std::string(c.bytes());
    }, inflated));
    return children;
  };
  // Marked bytes of the right size show which copy was used.
  std::string marked(kConfigJson.size(), 'x');
  InflatedEntry right{config.data_offset, config.compressed_size, marked};
  auto with = run(&right);
  EXPECT_EQ(with["normal.zip!assets/config.json"], marked);
  EXPECT_EQ(with.size(), 3u);
  InflatedEntry elsewhere{config.data_offset + 1, config.compressed_size, marked};
  EXPECT_EQ(run(&elsewhere)["normal.zip!assets/config.json"], kConfigJson);
  InflatedEntry wrong_size{config.data_offset, config.compressed_size, marked + "x"};
  EXPECT_EQ(run(&wrong_size)["normal.zip!assets/config.json"], kConfigJson);
  EXPECT_EQ(run(nullptr)["normal.zip!assets/config.json"], kConfigJson);
}

TEST_F(ZipTest, SniffsByContentNotName) {
  ZipExtractor zip;
  auto blob = [](const std::string& bytes, std::string name) {
    auto owner = std::make_shared<const std::string>(bytes);
    return Blob(*owner, owner, {std::move(name)});
  };
  EXPECT_TRUE(zip.sniff(blob(read_file(dir_ / "normal.zip"), "notes.txt")));
  EXPECT_TRUE(zip.sniff(blob(read_file(dir_ / "prefixed.zip"), "installer.sh")));
  EXPECT_TRUE(zip.sniff(blob(read_file(dir_ / "empty.zip"), "empty")));
  EXPECT_FALSE(zip.sniff(blob("just some text PK\x05\x06 in a file", "app.apk")));
  // An end-record signature followed by zeros inside some other binary is not an empty zip.
  std::string fake = "\x7f" "ELF" + std::string(100, 'x') + std::string("PK\x05\x06", 4) +
                     std::string(18, '\0') + std::string(10, 'y');
  EXPECT_FALSE(zip.sniff(blob(fake, "lib.so")));
}

TEST_F(ZipTest, NestedArchivesRecurseWithTheirChain) {
  Extraction x = extract("nested.zip", {}, /*recurse=*/true);
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(),
            (std::vector<std::string>{"nested.zip!libs/vendor.jar!com/example/Config.properties",
                                      "nested.zip!readme.txt",
                                      "nested.zip!split_config.apk!assets/inner_secret.txt"}));
  EXPECT_EQ(x.find("nested.zip!split_config.apk!assets/inner_secret.txt")->bytes, kStoredText);
}

TEST_F(ZipTest, TruncatedArchiveYieldsItsCompleteEntriesAndSaysItWasTruncated) {
  Extraction x = extract("truncated.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"truncated.zip!a.txt", "truncated.zip!b.txt"}));
  EXPECT_EQ(x.find("truncated.zip!a.txt")->bytes.size(), 40u * 57);  // 40 lines of 57 bytes
  EXPECT_EQ(x.count(DiagnosticKind::kMalformed, "truncated.zip", "truncated"), 1u)
      << x.all_diagnostics();
  EXPECT_EQ(x.count(DiagnosticKind::kMalformed, "truncated.zip", "\"c.txt\" is cut off"), 1u)
      << x.all_diagnostics();
}

TEST_F(ZipTest, DataDescriptorsWithAndWithoutCentralDirectory) {
  Extraction whole = extract("descriptors.jar");
  ASSERT_TRUE(whole.ok);
  EXPECT_EQ(whole.children.size(), 4u);
  EXPECT_TRUE(whole.diagnostics.empty()) << whole.all_diagnostics();

  // Without the directory, entry sizes are only in descriptors: inflating finds where each ends.
  Extraction cut = extract("truncated_descriptors.jar");
  ASSERT_TRUE(cut.ok);
  EXPECT_EQ(cut.paths(), (std::vector<std::string>{"truncated_descriptors.jar!META-INF/MANIFEST.MF",
                                                   "truncated_descriptors.jar!com/example/Keys.class",
                                                   "truncated_descriptors.jar!stored.txt"}));
  EXPECT_EQ(cut.find("truncated_descriptors.jar!stored.txt")->bytes, kStoredText);
  EXPECT_EQ(cut.count(DiagnosticKind::kMalformed, "truncated_descriptors.jar", "truncated"), 1u)
      << cut.all_diagnostics();
}

TEST_F(ZipTest, ZipBombEntriesAreSkippedAndTheRestIsEmitted) {
  Extraction x = extract("bomb.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"bomb.zip!ok.txt"}));
  EXPECT_EQ(x.count(DiagnosticKind::kLimit, "bomb.zip!bomb.bin", "over the limit"), 1u)
      << x.all_diagnostics();
  EXPECT_EQ(x.count(DiagnosticKind::kLimit, "bomb.zip!liar.bin", "past its declared size"), 1u)
      << x.all_diagnostics();
  EXPECT_LT(x.expanded, 1u << 20);

  Limits roomy;
  roomy.max_entry_size = 2ull << 30;  // the 1 GiB claim now passes the size check: ratio catches it
  Extraction y = extract("bomb.zip", roomy);
  EXPECT_EQ(y.count(DiagnosticKind::kLimit, "bomb.zip!bomb.bin", "zip bomb"), 1u)
      << y.all_diagnostics();
  EXPECT_LT(y.expanded, 1u << 20);
}

TEST_F(ZipTest, NestedBombStopsAtTheRatioOrTheTotalBudget) {
  Extraction x = extract("nested_bomb.zip", {}, /*recurse=*/true);
  ASSERT_TRUE(x.ok);
  EXPECT_TRUE(x.children.empty());
  EXPECT_EQ(x.count(DiagnosticKind::kLimit,
                    "nested_bomb.zip!lvl2_0.zip!lvl1_0.zip!lvl0_0.zip!zeros.bin", "zip bomb"),
            1u);
  EXPECT_LT(x.expanded, 16u << 20);  // the 512 small intermediate zips, none of the 8 GiB

  Limits budget;
  budget.max_compression_ratio = 2000;  // let single leaves through: the total must stop them
  budget.max_total_expanded = 64ull << 20;
  Extraction y = extract("nested_bomb.zip", budget, /*recurse=*/true);
  EXPECT_LE(y.expanded, budget.max_total_expanded);
  EXPECT_GE(y.children.size(), 1u);
  EXPECT_LE(y.children.size(), 4u);
  size_t stops = std::count_if(y.diagnostics.begin(), y.diagnostics.end(), [](const Diagnostic& d) {
    return d.kind == DiagnosticKind::kLimit && d.message.find("stopped expanding") != std::string::npos;
  });
  EXPECT_GE(stops, 1u) << y.all_diagnostics();
}

TEST_F(ZipTest, OverlappingEntriesAreReportedAndSkipped) {
  Extraction x = extract("overlap.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"overlap.zip!first.txt", "overlap.zip!third.txt"}));
  EXPECT_EQ(x.count(DiagnosticKind::kMalformed, "overlap.zip!second.txt", "overlaps entry \"first.txt\""), 1u)
      << x.all_diagnostics();
}

TEST_F(ZipTest, EntryProblemsAreCappedPerArchive) {
  Extraction x = extract("many_overlaps.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"many_overlaps.zip!first.txt"}));
  // Each copy is reported twice (its local header names "first.txt", and it overlaps): 118
  // problems, 50 shown, the rest counted in one line.
  EXPECT_EQ(x.diagnostics.size(), 51u) << x.all_diagnostics();
  EXPECT_EQ(x.count(DiagnosticKind::kMalformed, "many_overlaps.zip", "68 more problems"), 1u)
      << x.all_diagnostics();
}

TEST_F(ZipTest, UnknownMethodAndEncryptedEntriesAreReportedAndSkipped) {
  Extraction x = extract("unknown_method.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"unknown_method.zip!ok.txt"}));
  EXPECT_EQ(x.count(DiagnosticKind::kOther, "unknown_method.zip!weird.bin",
                    "unsupported compression method 99"),
            1u)
      << x.all_diagnostics();

  Extraction e = extract("encrypted.zip");
  EXPECT_EQ(e.paths(), (std::vector<std::string>{"encrypted.zip!ok.txt"}));
  EXPECT_EQ(e.count(DiagnosticKind::kEncrypted, "encrypted.zip!weird.bin", "encrypted"), 1u)
      << e.all_diagnostics();
}

TEST_F(ZipTest, CrcMismatchIsReportedButTheEntryIsStillEmitted) {
  Extraction x = extract("crc_mismatch.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.find("crc_mismatch.zip!ok.txt")->bytes, kStoredText);
  EXPECT_EQ(x.count(DiagnosticKind::kMalformed, "crc_mismatch.zip!ok.txt", "CRC-32"), 1u)
      << x.all_diagnostics();
}

TEST_F(ZipTest, Zip64RecordsAndExtraFields) {
  Extraction x = extract("zip64.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.find("zip64.zip!big/config.json")->bytes, kConfigJson);
  EXPECT_EQ(x.find("zip64.zip!big/stored.txt")->bytes, kStoredText);
  EXPECT_TRUE(x.diagnostics.empty()) << x.all_diagnostics();
}

TEST_F(ZipTest, PrefixedArchiveEmitsEntriesAndThePrefix) {
  Extraction x = extract("prefixed.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.find("prefixed.zip!assets/config.json")->bytes, kConfigJson);
  const Child* prefix = x.find("prefixed.zip!(bytes before the zip archive)");
  ASSERT_NE(prefix, nullptr);
  EXPECT_EQ(prefix->bytes.rfind("#!/bin/sh\n", 0), 0u);
}

TEST_F(ZipTest, HostileNamesAreOnlyPrintableLabels) {
  Extraction x = extract("hostile_names.zip");
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"hostile_names.zip!../../etc/cron.d/evil",
                                                 "hostile_names.zip!/abs/path.txt",
                                                 "hostile_names.zip!bad\\xff\\xfeutf8\\x0d\\x0a.txt",
                                                 "hostile_names.zip!nul\\x00hidden.txt"}));
  for (const Child& c : x.children) EXPECT_EQ(c.bytes, kStoredText) << c.path;
}

TEST_F(ZipTest, PrintableNamesKeepUtf8AndEscapeTheRest) {
  EXPECT_EQ(zip::printable_entry_name("res/values-fr/r\xc3\xa9sum\xc3\xa9.xml"),
            "res/values-fr/r\xc3\xa9sum\xc3\xa9.xml");
  EXPECT_EQ(zip::printable_entry_name("a\xc2\x85" "b"), "a\\xc2\\x85b");  // C1 control NEL
  EXPECT_EQ(zip::printable_entry_name("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(zip::printable_entry_name(std::string_view("\x1b[31m", 5)), "\\x1b[31m");
  EXPECT_EQ(zip::printable_entry_name(""), "(empty name)");
}

TEST_F(ZipTest, EntryLimitIsReported) {
  Limits few;
  few.max_entries = 2;
  Extraction x = extract("normal.zip", few);
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.paths(), (std::vector<std::string>{"normal.zip!assets/config.json"}));
  EXPECT_EQ(x.count(DiagnosticKind::kLimit, "normal.zip", "more than 2 entries"), 1u)
      << x.all_diagnostics();
}

TEST_F(ZipTest, EmptyArchiveAndNonZipInput) {
  Extraction empty = extract("empty.zip");
  EXPECT_TRUE(empty.ok);
  EXPECT_TRUE(empty.children.empty());
  EXPECT_TRUE(empty.diagnostics.empty());

  Extraction text = extract_bytes("PK\x03\x04 but nothing else that makes a zip", "x.zip", {}, false);
  EXPECT_FALSE(text.ok) << "an unreadable archive is an error, so the pipeline scans its raw bytes";
}

// Oracle: every entry Python's zipfile lists in Debian's androguard example APKs (apksig's signing
// test corpus among them) is emitted with the same size and CRC, except directories, media by
// extension, encrypted entries and methods other than stored and deflated (which are reported).
bool is_media_name(const std::string& name) {
  static const char* kMedia[] = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp3",
                                 ".ogg", ".mp4", ".ttf", ".otf", ".woff", ".woff2"};
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* m : kMedia) {
    std::string_view ext(m);
    if (lower.size() >= ext.size() && lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0)
      return true;
  }
  return false;
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

TEST_F(ZipTest, OracleAgreesWithPythonZipfileOnAndroguardApks) {
  const fs::path root = "/usr/share/doc/androguard/examples";
  if (!fs::exists(root)) GTEST_SKIP() << "androguard examples not installed";
  std::vector<std::string> apks;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".apk") apks.push_back(e.path().string());
  }
  ASSERT_GT(apks.size(), 100u);
  fs::path list = dir_ / "apks.txt", json_out = dir_ / "oracle.json";
  {
    std::ofstream l(list);
    for (const auto& a : apks) l << a << "\n";
  }
  std::string cmd = "xargs -d '\\n' -a " + list.string() + " /usr/bin/python3 " KEYSWEEP_SOURCE_DIR
                    "/src/formats/zip/zipfile_oracle.py > " + json_out.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto oracle = nlohmann::json::parse(read_file(json_out));

  size_t checked = 0, unsupported = 0;
  for (const auto& apk : apks) {
    std::string base = fs::path(apk).filename().string();
    Extraction x = extract_bytes(read_file(apk), base, {}, false);
    const auto& rows = oracle.at(apk);
    if (std::getenv("KEYSWEEP_ZIP_ORACLE_VERBOSE")) {
      std::cerr << base << (rows.is_null() ? " (zipfile fails)" : "") << ": "
                << x.children.size() << " children\n" << x.all_diagnostics();
    }
    if (rows.is_null()) continue;  // zipfile cannot open it: only "no crash" is asserted
    EXPECT_TRUE(x.ok) << apk;
    std::multimap<std::string, const Child*> emitted;
    for (const Child& c : x.children) emitted.emplace(c.path, &c);
    for (const auto& row : rows) {
      std::string name = zip::printable_entry_name(unhex(row.at("name_hex").get<std::string>()));
      if (row.at("dir").get<bool>() || is_media_name(name) || row.at("encrypted").get<bool>()) continue;
      std::string path = base + "!" + name;
      int method = row.at("method").get<int>();
      if (method != 0 && method != 8) {
        EXPECT_EQ(x.count(DiagnosticKind::kOther, path, "unsupported compression method"), 1u) << path;
        ++unsupported;
        continue;
      }
      auto [lo, hi] = emitted.equal_range(path);
      bool match = false;
      for (auto it = lo; it != hi && !match; ++it) {
        const std::string& b = it->second->bytes;
        match = b.size() == row.at("size").get<uint64_t>() &&
                zip::crc32(b) == row.at("crc").get<uint32_t>();
      }
      EXPECT_TRUE(match) << path << " not emitted with zipfile's size and CRC\n" << x.all_diagnostics();
      ++checked;
    }
  }
  EXPECT_GT(checked, 3000u);
  EXPECT_GE(unsupported, 1u);
}

// Issue 17: inflated entries are held under the scan's one MemoryBudget, so workers do not hold
// jobs x entry-size bytes at once. Budget of one byte: while worker A scans an inflated entry,
// worker B waits before inflating its own; B's wait is observed, not timed.
TEST_F(ZipTest, InflatedEntriesWaitForTheSharedMemoryBudget) {
  const std::string bytes = read_file(dir_ / "normal.zip");
  auto owner = std::make_shared<const std::string>(bytes);
  MemoryBudget budget(1);
  std::atomic<bool> a_inside{false}, b_seen_waiting{false};
  std::atomic<uint64_t> in_use_while_b_waits{0}, largest_inflated{0};
  auto run = [&](bool is_a) {
    Blob blob(*owner, owner, {"normal.zip"});
    CollectingDiagnostics sink;
    uint64_t expanded = 0;
    Limits limits;
    ExtractContext ctx{limits, sink, &expanded, &budget};
    bool first = true;
    auto r = ZipExtractor().extract(blob, ctx, [&](Blob child) {
      const bool inflated = child.bytes().data() < owner->data() ||
                            child.bytes().data() >= owner->data() + owner->size();
      if (inflated && child.size() > largest_inflated) largest_inflated = child.size();
      if (!is_a || !inflated || !first) return;
      first = false;
      a_inside = true;
      // B has started and must now be blocked on A's lease (this child's bytes).
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (budget.waiting() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
      b_seen_waiting = budget.waiting() == 1;
      in_use_while_b_waits = budget.in_use();
      EXPECT_EQ(budget.in_use(), child.size());
    });
    EXPECT_TRUE(r.has_value());
  };
  std::thread a(run, true);
  while (!a_inside) std::this_thread::yield();
  std::thread b(run, false);
  a.join();
  b.join();
  EXPECT_TRUE(b_seen_waiting) << "worker B inflated an entry while A held the whole budget";
  EXPECT_GT(in_use_while_b_waits.load(), 0u);
  EXPECT_EQ(budget.in_use(), 0u);
  EXPECT_EQ(budget.peak(), largest_inflated.load()) << "two leases were held at once";
}

}  // namespace
}  // namespace keysweep
