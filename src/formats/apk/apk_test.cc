#include "formats/apk/apk_identity.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "formats/format_test_support.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;
const fs::path kApksig = "/usr/share/doc/androguard/examples/signing/apksig";

using format_test::read_file;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  pclose(f);
  return out;
}

// Androguard (Debian) is the independent oracle: for every signed APK of Android's apksig test
// suite, keysweep must name the same package, version and signing certificate.
TEST(ApkIdentity, MatchesAndroguardOnApksigTestApks) {
  if (!fs::exists(kApksig)) GTEST_SKIP() << "androguard examples not installed at " << kApksig;
  std::vector<std::string> apks;
  for (const auto& e : fs::directory_iterator(kApksig))
    if (e.path().extension() == ".apk") apks.push_back(e.path().string());
  std::sort(apks.begin(), apks.end());
  ASSERT_GT(apks.size(), 20u);
  std::string cmd = "/usr/bin/python3 " KEYSWEEP_SOURCE_DIR "/src/formats/apk/androguard_identity.py";
  for (const auto& a : apks) cmd += " '" + a + "'";
  auto oracle = nlohmann::json::parse(run(cmd + " 2>/dev/null"));
  size_t compared = 0;
  for (const auto& path : apks) {
    const auto& want = oracle[path];
    if (!want.contains("sha256") || want["sha256"].get<std::string>().empty()) continue;
    std::string bytes = read_file(path);
    Blob blob(bytes, nullptr, {path});
    CollectingDiagnostics sink;
    AppIdentity got = read_apk_identity(blob, Limits{}, sink);
    EXPECT_EQ(got.platform, "android");
    EXPECT_EQ(got.package, want["package"].get<std::string>()) << path;
    EXPECT_EQ(got.version, want["version"].get<std::string>()) << path;
    EXPECT_EQ(got.signer_sha256, want["sha256"].get<std::string>()) << path;
    ++compared;
  }
  EXPECT_GT(compared, 20u);
}

TEST(ApkIdentity, UnsignedApkHasPackageButNoSigner) {
  fs::path p = kApksig / "golden-aligned-in.apk";
  if (!fs::exists(p)) GTEST_SKIP() << "androguard examples not installed";
  std::string bytes = read_file(p);
  Blob blob(bytes, nullptr, {p.string()});
  CollectingDiagnostics sink;
  AppIdentity got = read_apk_identity(blob, Limits{}, sink);
  EXPECT_EQ(got.package, "android.appsecurity.cts.tinyapp");
  EXPECT_TRUE(got.signer_sha256.empty());
}

TEST(ApkIdentity, ExtractorAttachesIdentityToEveryEntry) {
  fs::path p = kApksig / "golden-aligned-v1v2v3-out.apk";
  if (!fs::exists(p)) GTEST_SKIP() << "androguard examples not installed";
  std::string bytes = read_file(p);
  Blob blob(bytes, nullptr, {"tiny.apk"});
  ApkExtractor ex;
  ASSERT_TRUE(ex.sniff(blob));
  auto x = format_test::extract(ex, blob);
  ASSERT_TRUE(x.result);
  for (const Blob& child : x.children) {
    ASSERT_TRUE(child.app());
    EXPECT_EQ(child.app()->package, "android.appsecurity.cts.tinyapp");
    EXPECT_EQ(child.app()->signer_sha256.size(), 64u);
    EXPECT_EQ(child.chain().front(), "tiny.apk");
  }
  EXPECT_GT(x.children.size(), 2u);
}

// The identity's read of the central directory is handed to the zip extractor, which then does
// not read it again: it must be exactly what the extractor would have read, and the extractor must
// emit the same entries from it as from its own read.
TEST(ApkIdentity, HandsOverTheCentralDirectoryItRead) {
  fs::path p = kApksig / "golden-aligned-v1v2v3-out.apk";
  if (!fs::exists(p)) GTEST_SKIP() << "androguard examples not installed";
  std::string bytes = read_file(p);
  Blob blob(bytes, nullptr, {"tiny.apk"});
  CollectingDiagnostics sink;
  const Limits limits;
  InflatedEntry manifest;
  std::optional<zip::CentralDirectory> directory;
  AppIdentity id = read_apk_identity(blob, limits, sink, &manifest, &directory);
  EXPECT_EQ(id.package, "android.appsecurity.cts.tinyapp");
  ASSERT_TRUE(directory);
  auto loc = zip::locate_central_directory(bytes);
  ASSERT_TRUE(loc);
  const zip::CentralDirectory own = zip::read_central_directory(bytes, *loc, limits.max_entries);
  ASSERT_EQ(directory->entries.size(), own.entries.size());
  for (size_t i = 0; i < own.entries.size(); ++i) {
    EXPECT_EQ(directory->entries[i].raw_name, own.entries[i].raw_name);
    EXPECT_EQ(directory->entries[i].local_header_offset, own.entries[i].local_header_offset);
    EXPECT_EQ(directory->entries[i].data_offset, own.entries[i].data_offset) << "left unresolved";
  }

  auto children_of = [&](zip::CentralDirectory* given) {
    std::vector<std::pair<std::string, std::string>> out;
    CollectingDiagnostics s;
    uint64_t expanded = 0;
    ExtractContext ctx{limits, s, &expanded};
    EXPECT_TRUE(ZipExtractor::extract_with(blob, ctx, [&](Blob c) {
      out.emplace_back(c.display_path(), std::string(c.bytes()));
    }, nullptr, given));
    return out;
  };
  const auto from_own_read = children_of(nullptr);
  EXPECT_GT(from_own_read.size(), 2u);
  EXPECT_EQ(children_of(&*directory), from_own_read);
  // And the extractor really takes the directory it is given: one entry listed, one emitted.
  zip::CentralDirectory one = own;
  std::erase_if(one.entries, [](const zip::ZipEntry& e) { return e.raw_name != "AndroidManifest.xml"; });
  ASSERT_EQ(one.entries.size(), 1u);
  auto only = children_of(&one);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].first, "tiny.apk!AndroidManifest.xml");
}

TEST(ApkIdentity, PlainZipIsNotAnApk) {
  // A stored zip with one entry, written by hand: no AndroidManifest.xml.
  std::string name = "readme.txt", body = "hello";
  std::string local = std::string("PK\x03\x04", 4) + std::string(22, '\0') +
                      std::string(1, static_cast<char>(name.size())) + std::string(3, '\0') + name + body;
  Blob blob(local, nullptr, {"x.zip"});
  EXPECT_FALSE(ApkExtractor().sniff(blob));
}

TEST(ApkIdentity, MalformedSigningBlocksAreErrors) {
  EXPECT_FALSE(apk_v2v3_certificate("not a zip"));
  EXPECT_FALSE(pkcs7_first_certificate("not pkcs7"));
  fs::path p = kApksig / "golden-aligned-v2-out.apk";
  if (!fs::exists(p)) GTEST_SKIP() << "androguard examples not installed";
  std::string bytes = read_file(p);
  ASSERT_TRUE(apk_v2v3_certificate(bytes));
  // Corrupt the block's leading size: the two sizes no longer agree.
  auto magic = bytes.find("APK Sig Block 42");
  ASSERT_NE(magic, std::string::npos);
  uint64_t size = 0;
  std::memcpy(&size, bytes.data() + magic - 8, 8);
  std::string corrupt = bytes;
  corrupt[magic + 8 - size] ^= 0x55;  // the block starts size + 8 bytes before its end
  auto r = apk_v2v3_certificate(corrupt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("disagree"), std::string::npos);
  // Every truncation of the block region fails cleanly rather than reading out of bounds.
  for (size_t cut = magic - size; cut < magic + 16; cut += 7)
    (void)apk_v2v3_certificate(std::string_view(bytes).substr(0, cut));
}

}  // namespace
}  // namespace keysweep
