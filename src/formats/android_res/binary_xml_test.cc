#include "formats/android_res/binary_xml.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "formats/android_res/android_extractors.h"
#include "formats/android_res/test_chunks.h"
#include "formats/labelled_text.h"

namespace keysweep::android_res {
namespace {

using namespace test;

const std::string kExamples = "/usr/share/doc/androguard/examples/axml";

std::string node(uint16_t type, const std::string& ext) {
  return chunk(type, u32(1) + u32(0xFFFFFFFF), ext);
}

std::string attribute(uint32_t ns, uint32_t name, uint32_t raw, uint8_t type, uint32_t data) {
  return u32(ns) + u32(name) + u32(raw) + u16(8) + u8(0) + u8(type) + u32(data);
}

std::string start_element(uint32_t name, const std::vector<std::string>& attrs,
                          uint16_t claimed_count = 0xFFFF) {
  uint16_t count = claimed_count != 0xFFFF ? claimed_count : static_cast<uint16_t>(attrs.size());
  std::string ext = u32(0xFFFFFFFF) + u32(name) + u16(20) + u16(20) + u16(count) + u16(0) +
                    u16(0) + u16(0);
  for (const auto& a : attrs) ext += a;
  return node(0x0102, ext);
}

// <manifest package="com.example.app"><meta-data android:name=… android:value=…/></manifest>,
// with the meta-data's attribute names masked in the pool ("xyz", "q"): only the resource map
// says they are android:name and android:value, which is all Android looks at.
std::string hand_built_manifest(uint16_t meta_data_claimed_count = 0xFFFF) {
  std::string pool = string_pool({"android", "http://schemas.android.com/apk/res/android", "xyz",
                                  "q", "meta-data", "com.twilio.AUTH_TOKEN",
                                  "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f", "manifest", "package",
                                  "com.example.app", "versionName", "2.0"},
                                 false);
  std::string map = chunk(0x0180, "", u32(0) + u32(0) + u32(0x01010003) + u32(0x01010024));
  std::string body =
      pool + map + node(0x0100, u32(0) + u32(1)) +
      start_element(7, {attribute(0xFFFFFFFF, 8, 9, 0x03, 9), attribute(1, 10, 11, 0x03, 11)}) +
      start_element(4, {attribute(1, 2, 5, 0x03, 5), attribute(1, 3, 6, 0x03, 6)},
                    meta_data_claimed_count) +
      node(0x0103, u32(0xFFFFFFFF) + u32(4)) + node(0x0103, u32(0xFFFFFFFF) + u32(7)) +
      node(0x0101, u32(0) + u32(1));
  return chunk(0x0003, "", body);
}

class CollectSink final : public DiagnosticSink {
 public:
  void report(Diagnostic d) override { notes.push_back(d.message); }
  std::vector<std::string> notes;
};

struct Lines {
  std::vector<std::pair<std::string, std::string>> lines;  // (symbol, rendered value)
  std::vector<std::string> notes;
  bool ok = false;
  bool has(const std::string& symbol, const std::string& value) const {
    for (const auto& l : lines) {
      if (l.first == symbol && l.second == value) return true;
    }
    return false;
  }
};

Lines extract_axml(const std::string& data) {
  Lines out;
  auto ex = make_axml_extractor();
  Blob blob(data, nullptr, {"app.apk", "AndroidManifest.xml"});
  CollectSink sink;
  Limits limits;
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  auto r = ex->extract(blob, ctx, [&](Blob b) {
    for (const RenderedLine& l : rendered_lines(b)) out.lines.emplace_back(l.label, l.value);
  });
  out.ok = r.has_value();
  out.notes = sink.notes;
  return out;
}

TEST(BinaryXml, MetaDataNameBecomesTheKeyOfItsValue) {
  Lines l = extract_axml(hand_built_manifest());
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(l.notes.empty()) << l.notes.front();
  EXPECT_TRUE(l.has("com.twilio.AUTH_TOKEN", "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"));
  EXPECT_TRUE(l.has("meta-data@android:name", "com.twilio.AUTH_TOKEN"))
      << "the masked name resolves through the resource map";
  EXPECT_TRUE(l.has("manifest@package", "com.example.app"));
  EXPECT_FALSE(l.has("meta-data@android:value", "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"))
      << "the value is rendered once, under its name";
}

// Strings of a UTF-8 pool are read in place (no copy), those of a UTF-16 pool decoded once each;
// both must give the same lines and notes: a string used twice, a CESU-8 pair that a UTF-8 pool
// repairs, and a value index past the pool, noted at each use.
TEST(BinaryXml, Utf8AndUtf16PoolsGiveTheSameLinesAndNotes) {
  auto document = [](bool utf8) {
    std::string pool = string_pool({"android", "http://schemas.android.com/apk/res/android", "name",
                                    "value", "meta-data", "com.example.KEY",
                                    "key \xED\xA0\xBD\xED\xB4\x91", "manifest", "package",
                                    "com.example.app"},
                                   utf8);
    std::string meta = start_element(4, {attribute(1, 2, 5, 0x03, 5), attribute(1, 3, 6, 0x03, 6)});
    std::string broken = start_element(4, {attribute(1, 2, 5, 0x03, 5), attribute(1, 3, 99, 0x03, 99)});
    std::string end_meta = node(0x0103, u32(0xFFFFFFFF) + u32(4));
    std::string body = pool + node(0x0100, u32(0) + u32(1)) +
                       start_element(7, {attribute(0xFFFFFFFF, 8, 9, 0x03, 9)}) + meta + end_meta +
                       meta + end_meta + broken + end_meta + broken + end_meta +
                       node(0x0103, u32(0xFFFFFFFF) + u32(7)) + node(0x0101, u32(0) + u32(1));
    return chunk(0x0003, "", body);
  };
  const Lines utf8 = extract_axml(document(true)), utf16 = extract_axml(document(false));
  ASSERT_TRUE(utf8.ok);
  ASSERT_TRUE(utf16.ok);
  EXPECT_EQ(utf8.lines, utf16.lines);
  // The notes name node offsets, which differ with the pool's size; what they say is the same.
  auto said = [](const std::vector<std::string>& notes) {
    std::vector<std::string> out;
    for (const auto& n : notes) out.push_back(n.substr(n.find(": ")));
    return out;
  };
  EXPECT_EQ(said(utf8.notes), said(utf16.notes));
  EXPECT_TRUE(utf8.has("com.example.KEY", "key \xF0\x9F\x94\x91"));
  EXPECT_TRUE(utf8.has("manifest@package", "com.example.app"));
  ASSERT_EQ(utf8.notes.size(), 2u);
  EXPECT_NE(utf8.notes[0].find("string index 99 out of range"), std::string::npos) << utf8.notes[0];
}

TEST(BinaryXml, ManifestIdentity) {
  auto info = parse_manifest_identity(hand_built_manifest());
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->package, "com.example.app");
  // versionName has no resource map entry here: its android: prefix and name are enough.
  EXPECT_EQ(info->version_name, "2.0");
  EXPECT_FALSE(info->version_code);
  EXPECT_FALSE(parse_manifest_identity("not binary xml"));
}

TEST(BinaryXml, AttributeCountThatLiesIsCutToWhatTheChunkHolds) {
  Lines l = extract_axml(hand_built_manifest(/*meta_data_claimed_count=*/40));
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(l.has("com.twilio.AUTH_TOKEN", "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"));
  ASSERT_FALSE(l.notes.empty());
  EXPECT_NE(l.notes.front().find("claims 40 attributes, room for 2"), std::string::npos)
      << l.notes.front();
}

TEST(BinaryXml, TruncatedOrCorruptedInputNeverCrashes) {
  std::string doc = hand_built_manifest();
  for (size_t n = 0; n < doc.size(); ++n) (void)extract_axml(doc.substr(0, n));
  for (size_t i = 0; i < doc.size(); ++i) {
    for (uint8_t v : {0x00, 0x7F, 0x80, 0xFF}) {
      std::string bad = doc;
      bad[i] = static_cast<char>(v);
      (void)extract_axml(bad);
      (void)parse_manifest_identity(bad);
    }
  }
  EXPECT_FALSE(extract_axml(doc.substr(0, 7)).ok);
}

TEST(BinaryXml, SniffWantsAnXmlHeaderAndAStringPool) {
  EXPECT_TRUE(looks_like_binary_xml(hand_built_manifest()));
  EXPECT_FALSE(looks_like_binary_xml("<?xml version=\"1.0\" encoding=\"utf-8\"?><manifest/>"));
  EXPECT_FALSE(looks_like_binary_xml(chunk(0x0002, u32(0), "")));
  EXPECT_FALSE(looks_like_binary_xml(""));
}

// Counts the elements it is shown and says it is finished after `wanted` of them.
class CountingVisitor final : public BinaryXmlVisitor {
 public:
  explicit CountingVisitor(size_t wanted) : wanted_(wanted) {}
  void start_element(const XmlElement& e) override { names.push_back(e.name); }
  bool finished() const override { return names.size() >= wanted_; }
  std::vector<std::string> names;

 private:
  size_t wanted_;
};

TEST(BinaryXml, AFinishedVisitorEndsTheWalk) {
  Limits limits;
  ParseNotes notes;
  CountingVisitor all(SIZE_MAX), first(1);
  ASSERT_TRUE(parse_binary_xml(hand_built_manifest(), limits, all, notes));
  EXPECT_EQ(all.names, (std::vector<std::string>{"manifest", "meta-data"}));
  ASSERT_TRUE(parse_binary_xml(hand_built_manifest(), limits, first, notes));
  EXPECT_EQ(first.names, (std::vector<std::string>{"manifest"}));
}

// The identity is read from the root element and the walk stops there, so a manifest cut off or
// damaged anywhere after the root still names its app, as it did when the whole file was walked.
TEST(BinaryXml, ManifestIdentityIgnoresWhatFollowsTheRoot) {
  const std::string whole = hand_built_manifest();
  const size_t root_end = whole.find(start_element(4, {attribute(1, 2, 5, 0x03, 5),
                                                       attribute(1, 3, 6, 0x03, 6)}));
  ASSERT_NE(root_end, std::string::npos);
  for (size_t cut = root_end; cut <= whole.size(); ++cut) {
    std::string damaged = whole.substr(0, cut) + std::string(whole.size() - cut, '\xff');
    auto info = parse_manifest_identity(damaged);
    ASSERT_TRUE(info) << "cut at " << cut << ": " << info.error().message;
    EXPECT_EQ(info->package, "com.example.app");
    EXPECT_EQ(info->version_name, "2.0");
  }
}

class AxmlFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(AxmlFixture, ManifestMetaDataAndIdentity) {
  std::string dir = fixture_dir();
  ASSERT_FALSE(dir.empty()) << "tests/fixtures/android/build_res_fixtures.sh failed";
  std::string manifest = read_file(dir + "/" + GetParam() + "/AndroidManifest.xml");
  Lines l = extract_axml(manifest);
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(l.has("com.twilio.AUTH_TOKEN", "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"));
  EXPECT_TRUE(l.has("meta-data@android:name", "com.example.RETRIES"))
      << "an integer value is not a string, its name still is";
  auto info = parse_manifest_identity(manifest);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->package, "com.example.keysweep.fixture");
  EXPECT_EQ(info->version_name, "1.2.3");
  EXPECT_EQ(info->version_code, 7u);

  Lines keys = extract_axml(read_file(dir + "/" + GetParam() + "/keys.xml"));
  ASSERT_TRUE(keys.ok);
  EXPECT_TRUE(keys.has("twilio_auth_token", "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"))
      << "a plain name/value pair in res/xml works like meta-data";
  EXPECT_TRUE(keys.has("note#text", "sent with every request"));
}

INSTANTIATE_TEST_SUITE_P(Tools, AxmlFixture, ::testing::Values("aapt1", "aapt2", "apktool"));

// androguard ships manifests that packers and malware bent; Android installs them, so every one
// must parse, give lines, and name the app.
TEST(AndroguardMalformedManifests, AllParseAndNameTheirPackage) {
  ASSERT_TRUE(std::filesystem::is_directory(kExamples)) << "Debian package androguard missing";
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(kExamples)) {
    if (e.path().extension() != ".xml") continue;
    ++files;
    std::string data = read_file(e.path());
    Lines l = extract_axml(data);
    EXPECT_TRUE(l.ok) << e.path();
    if (e.path().filename().string().rfind("AndroidManifest", 0) != 0) continue;  // test*.xml
    EXPECT_GT(l.lines.size(), 3u) << e.path();
    auto info = parse_manifest_identity(data);
    ASSERT_TRUE(info) << e.path() << ": " << info.error().message;
    EXPECT_NE(info->package.find('.'), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 20);
}

TEST(AndroguardMalformedManifests, WrongSizeAndZeroChunkTypeAreNotedAndRead) {
  Lines size = extract_axml(read_file(kExamples + "/AndroidManifestWrongFilesize.xml"));
  ASSERT_TRUE(size.ok);
  ASSERT_FALSE(size.notes.empty());
  EXPECT_NE(size.notes.front().find("declares 1111638594 bytes"), std::string::npos);
  std::string zero = read_file(kExamples + "/AndroidManifest_WrongChunkStart.xml");
  EXPECT_TRUE(looks_like_binary_xml(zero));
  EXPECT_TRUE(extract_axml(zero).ok);

  auto info = parse_manifest_identity(read_file(kExamples + "/AndroidManifest.xml"));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->package, "org.t0t0.androguard.TC");
  EXPECT_EQ(info->version_name, "1.0");
  EXPECT_EQ(info->version_code, 1u);
}

}  // namespace
}  // namespace keysweep::android_res
