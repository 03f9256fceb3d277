// The plist, .strings and IPA extractors on their own: key paths, encodings, the identity an IPA
// gives its entries, and malformed input that must give an error value, never a crash.
#include <gtest/gtest.h>
#include <plist/plist.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "formats/format_test_support.h"
#include "formats/plist/mobileprovision.h"
#include "formats/plist/plist_document.h"
#include "formats/plist/plist_extractor.h"
#include "formats/plist/strings_file.h"

namespace keysweep {
namespace {

using plist::PlistLeaf;

const char* kXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>API_KEY</key><string>AIzaSyB7kQ2mX9vL4pR8tN1wZ6cF3hJ5dG0sYeU</string>
  <key>NSAppTransportSecurity</key>
  <dict><key>NSExceptionDomains</key>
    <dict><key>example.com</key><string>allowed</string></dict></dict>
  <key>Keys</key><array><string>a</string><integer>7</integer><string>c</string></array>
  <key>Secret</key><data>c2VjcmV0LXRleHQ=</data>
  <key>Blob</key><data>AAECAw==</data>
  <key>Count</key><integer>3</integer>
</dict>
</plist>
)";

using format_test::extract;

Blob named_blob(std::string_view bytes, std::string name) {
  return Blob(bytes, nullptr, {"app.ipa", std::move(name)});
}

// A binary plist written by libplist itself from an XML one.
std::string to_binary(std::string_view xml) {
  plist_t root = nullptr;
  plist_from_xml(xml.data(), static_cast<uint32_t>(xml.size()), &root);
  EXPECT_NE(root, nullptr);
  char* bin = nullptr;
  uint32_t len = 0;
  plist_to_bin(root, &bin, &len);
  std::string out(bin, len);
  plist_to_bin_free(bin);
  plist_free(root);
  return out;
}

std::vector<std::string> paths(const std::vector<PlistLeaf>& leaves) {
  std::vector<std::string> out;
  for (const auto& l : leaves) out.push_back(l.path);
  return out;
}

TEST(PlistDocument, LeavesCarryDottedKeyPathsAndArrayIndexes) {
  auto leaves = plist::plist_leaves(kXml);
  ASSERT_TRUE(leaves) << leaves.error().message;
  EXPECT_EQ(paths(*leaves),
            (std::vector<std::string>{"API_KEY", "NSAppTransportSecurity.NSExceptionDomains.example.com",
                                      "Keys[0]", "Keys[2]", "Secret", "Blob"}));
  EXPECT_EQ((*leaves)[0].value, "AIzaSyB7kQ2mX9vL4pR8tN1wZ6cF3hJ5dG0sYeU");
  EXPECT_EQ((*leaves)[4].value, "secret-text");
  EXPECT_EQ((*leaves)[4].kind, PlistLeaf::Kind::kData);
}

TEST(PlistDocument, BinaryPlistGivesTheSameLeavesAsItsXml) {
  std::string bin = to_binary(kXml);
  ASSERT_TRUE(plist::is_binary_plist(bin));
  auto xml_leaves = plist::plist_leaves(kXml);
  auto bin_leaves = plist::plist_leaves(bin);
  ASSERT_TRUE(bin_leaves) << bin_leaves.error().message;
  EXPECT_EQ(paths(*bin_leaves), paths(*xml_leaves));
  EXPECT_EQ((*bin_leaves)[2].value, "a");
}

TEST(PlistDocument, UnicodeStringsInBinaryPlistsBecomeUtf8) {
  std::string bin = to_binary(R"(<?xml version="1.0"?><plist><dict><key>title</key>)"
                              "<string>Envoi \xE2\x80\xA6 \xF0\x9F\x94\x91</string></dict></plist>");
  auto leaves = plist::plist_leaves(bin);
  ASSERT_TRUE(leaves) << leaves.error().message;
  ASSERT_EQ(leaves->size(), 1u);
  EXPECT_EQ((*leaves)[0].value, "Envoi \xE2\x80\xA6 \xF0\x9F\x94\x91");
}

TEST(PlistDocument, TruncatedBinaryPlistIsAnError) {
  std::string bin = to_binary(kXml);
  for (size_t keep : {bin.size() - 1, bin.size() / 2, size_t{20}, size_t{8}}) {
    auto r = plist::plist_leaves(std::string_view(bin).substr(0, keep));
    EXPECT_FALSE(r) << "kept " << keep << " bytes";
  }
}

TEST(PlistDocument, OffsetTableOutsideTheFileIsAnError) {
  std::string bin = to_binary(kXml);
  // The trailer's last field: where the offset table starts.
  bin[bin.size() - 1] = '\xFF';
  bin[bin.size() - 2] = '\xFF';
  auto r = plist::plist_leaves(bin);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("offset table"), std::string::npos) << r.error().message;
}

TEST(PlistDocument, ObjectOffsetPointingPastTheObjectsIsAnError) {
  std::string bin = to_binary(kXml);
  // 1-byte offsets (a small file): point the first object past the offset table.
  ASSERT_EQ(bin[bin.size() - 26], 1);
  size_t table = static_cast<uint8_t>(bin[bin.size() - 1]);
  bin[table] = static_cast<char>(bin.size() - 33);
  auto r = plist::plist_leaves(bin);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("outside the object area"), std::string::npos) << r.error().message;
}

// Hand-made binary plist: objects given as bytes, 1-byte offsets and references.
std::string binary_plist(const std::vector<std::string>& objects, uint8_t top = 0) {
  std::string out = "bplist00";
  std::vector<uint8_t> offsets;
  for (const auto& o : objects) {
    offsets.push_back(static_cast<uint8_t>(out.size()));
    out += o;
  }
  size_t table = out.size();
  for (uint8_t o : offsets) out += static_cast<char>(o);
  std::string trailer(32, '\0');
  trailer[6] = 1;
  trailer[7] = 1;
  trailer[15] = static_cast<char>(objects.size());
  trailer[23] = static_cast<char>(top);
  trailer[31] = static_cast<char>(table);
  return out + trailer;
}

TEST(PlistDocument, ReferenceCycleIsAnErrorNotARecursion) {
  // Object 0: an array holding itself.
  auto r = plist::plist_leaves(binary_plist({std::string("\xA1\x00", 2)}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("deeper"), std::string::npos) << r.error().message;
}

TEST(PlistDocument, SharedReferencesCannotExpandWithoutBound) {
  // Object i is an array of two references to object i+1: 2^40 values once expanded.
  std::vector<std::string> objs;
  for (int i = 0; i < 40; ++i) objs.push_back(std::string("\xA2") + char(i + 1) + char(i + 1));
  objs.push_back("\x51x");
  auto r = plist::plist_leaves(binary_plist(objs));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("values"), std::string::npos) << r.error().message;
}

TEST(PlistDocument, HandMadeBinaryPlistReads) {
  // A dict {"k": "v"} with ASCII strings: the checker accepts what it should.
  auto r = plist::plist_leaves(binary_plist({std::string("\xD1\x01\x02", 3), "\x51k", "\x51v"}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].path, "k");
  EXPECT_EQ((*r)[0].value, "v");
}

TEST(PlistDocument, DictKeysThatLibplistWouldAbortOnAreErrors) {
  // Found by the fuzzer: libplist asserts (aborting the scan) on a key that is not a string or
  // holds a NUL. A date as key, an ASCII key with a NUL, a UTF-16 key with U+0000.
  std::string date_key("\x33\0\0\0\0\0\0\0\0", 9);
  for (const std::string& key : {date_key, std::string("\x53k\0y", 5), std::string("\x61\0\0", 3)}) {
    auto r = plist::plist_leaves(binary_plist({std::string("\xD1\x01\x02", 3), key, "\x51v"}));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("dict key"), std::string::npos) << r.error().message;
  }
}

TEST(PlistDocument, DeepXmlNestingIsAnErrorNotAStackOverflow) {
  std::string deep = "<?xml version=\"1.0\"?><plist>";
  for (int i = 0; i < 100000; ++i) deep += "<array>";
  for (int i = 0; i < 100000; ++i) deep += "</array>";
  deep += "</plist>";
  auto r = plist::plist_leaves(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos);
  // Self-closing containers open nothing.
  std::string flat = "<?xml version=\"1.0\"?><plist><array>";
  for (int i = 0; i < 1000; ++i) flat += "<array/><dict/>";
  flat += "</array></plist>";
  EXPECT_TRUE(plist::plist_leaves(flat));
}

TEST(PlistDocument, BrokenXmlIsAnError) {
  EXPECT_FALSE(plist::plist_leaves("<?xml version=\"1.0\"?><plist><dict><key>a</key><string>b"));
  EXPECT_FALSE(plist::plist_leaves("<?xml version=\"1.0\"?><plist><dict><string>no key</string></dict></plist>"));
}

TEST(PlistExtractor, SniffsXmlAndBinaryPlistsByContent) {
  PlistExtractor ex;
  std::string bin = to_binary(kXml);
  EXPECT_TRUE(ex.sniff(named_blob(kXml, "anything.txt")));
  EXPECT_TRUE(ex.sniff(named_blob(bin, "Info.plist")));
  EXPECT_TRUE(ex.sniff(named_blob("\xEF\xBB\xBF\n<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict/></plist>", "x")));
  EXPECT_FALSE(ex.sniff(named_blob("<?xml version=\"1.0\"?><svg></svg>", "Info.plist")));
  EXPECT_FALSE(ex.sniff(named_blob("API_KEY = 1", "Info.plist")));
}

TEST(PlistExtractor, RendersKeyPathsPrefixedWithTheFileName) {
  auto out = extract(PlistExtractor(), named_blob(kXml, "Payload/Demo.app/GoogleService-Info.plist"));
  ASSERT_TRUE(out.result) << out.result.error().message;
  ASSERT_EQ(out.children.size(), 1u);
  const Blob& text = out.children[0];
  EXPECT_NE(text.bytes().find("GoogleService-Info.plist_API_KEY = \"AIzaSyB7kQ2mX9vL4pR8tN1wZ6cF3hJ5dG0sYeU\"\n"),
            std::string_view::npos);
  std::vector<std::string> labels;
  for (const auto& s : text.segments()) labels.emplace_back(s.label);
  EXPECT_EQ(labels, (std::vector<std::string>{
                        "GoogleService-Info.plist:API_KEY",
                        "GoogleService-Info.plist:NSAppTransportSecurity.NSExceptionDomains.example.com",
                        "GoogleService-Info.plist:Keys[0]", "GoogleService-Info.plist:Keys[2]",
                        "GoogleService-Info.plist:Secret"}));  // binary <data> is left out
  EXPECT_EQ(text.label_at(text.bytes().find("AIza")), "GoogleService-Info.plist:API_KEY");
  EXPECT_EQ(text.chain().back(), "values");
}

TEST(PlistExtractor, MalformedPlistIsAnErrorNamingTheFile) {
  std::string bin = to_binary(kXml);
  bin.resize(bin.size() - 5);
  auto out = extract(PlistExtractor(), named_blob(bin, "Payload/Demo.app/Info.plist"));
  ASSERT_FALSE(out.result);
  EXPECT_NE(out.result.error().message.find("Info.plist"), std::string::npos) << out.result.error().message;
  EXPECT_EQ(out.result.error().path, "app.ipa!Payload/Demo.app/Info.plist");
  EXPECT_TRUE(out.children.empty());
}

std::string utf16le(std::u16string_view s, bool bom) {
  std::string out = bom ? "\xFF\xFE" : "";
  for (char16_t c : s) {
    out += static_cast<char>(c & 0xFF);
    out += static_cast<char>(c >> 8);
  }
  return out;
}

TEST(StringsFile, Utf16WithAndWithoutBomBecomesUtf8) {
  std::u16string text = u"\"title\" = \"Envoi\u2026 \U0001F511\";\n";
  EXPECT_EQ(plist::strings_text_to_utf8(utf16le(text, true)), "\"title\" = \"Envoi\xE2\x80\xA6 \xF0\x9F\x94\x91\";\n");
  EXPECT_EQ(plist::strings_text_to_utf8(utf16le(text, false)), "\"title\" = \"Envoi\xE2\x80\xA6 \xF0\x9F\x94\x91\";\n");
  std::string be = "\xFE\xFF";
  for (char c : std::string("\"a\" = \"b\";")) be += std::string(1, '\0') + c;
  EXPECT_EQ(plist::strings_text_to_utf8(be), "\"a\" = \"b\";");
  // A lone surrogate becomes U+FFFD instead of invalid UTF-8.
  EXPECT_EQ(plist::strings_text_to_utf8(utf16le(std::u16string(1, char16_t(0xD800)) + u"x", true)), "\xEF\xBF\xBDx");
}

TEST(StringsFile, ParsesPairsCommentsEscapesAndShorthand) {
  auto r = plist::parse_strings_text(
      "/* c */ \"a\" = \"1\";\n// line\n\"b\\\"q\" = \"x\\ny\\U20AC\";\nplain_key = \"v\";\n\"same\";\n", 100);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[1].key, "b\"q");
  EXPECT_EQ((*r)[1].value, "x\ny\xE2\x82\xAC");
  EXPECT_EQ((*r)[2].key, "plain_key");
  EXPECT_EQ((*r)[3].value, "same");
  EXPECT_FALSE(plist::parse_strings_text("\"a\" = \"unterminated;", 100));
  EXPECT_FALSE(plist::parse_strings_text("\"a\" \"b\";", 100));
  EXPECT_FALSE(plist::parse_strings_text("\"a\" = \"1\"; \"b\" = \"2\";", 1));
}

TEST(StringsExtractor, Utf16LocalizableStringsRendersKeyPaths) {
  std::string bytes = utf16le(u"/* upload */\n\"upload_access_key_id\" = \"AKIA5VQ3WX7LRTZ2MPKD\";\n", true);
  Blob blob = named_blob(bytes, "Payload/Demo.app/en.lproj/Localizable.strings");
  StringsExtractor ex;
  ASSERT_TRUE(ex.sniff(blob));
  EXPECT_FALSE(ex.sniff(named_blob(bytes, "Payload/Demo.app/en.lproj/Localizable.txt")));
  auto out = extract(ex, blob);
  ASSERT_TRUE(out.result) << out.result.error().message;
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].bytes(), "Localizable.strings_upload_access_key_id = \"AKIA5VQ3WX7LRTZ2MPKD\"\n");
  EXPECT_EQ(out.children[0].segments()[0].label, "Localizable.strings:upload_access_key_id");
}

TEST(StringsExtractor, Utf16TextThatIsNotPairsIsStillHandedOnAsUtf8) {
  std::string bytes = utf16le(u"token: AKIA5VQ3WX7LRTZ2MPKD\n", true);
  auto out = extract(StringsExtractor(), named_blob(bytes, "Broken.strings"));
  ASSERT_TRUE(out.result);
  ASSERT_EQ(out.children.size(), 1u);
  EXPECT_EQ(out.children[0].bytes(), "token: AKIA5VQ3WX7LRTZ2MPKD\n");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_NE(out.diagnostics[0].message.find("Broken.strings"), std::string::npos);
  // UTF-8 that is not pairs: an error, so the pipeline scans the raw text.
  EXPECT_FALSE(extract(StringsExtractor(), named_blob("token: x\n", "Broken.strings")).result);
}

// The fixtures from tests/fixtures/ios/build_ipa_fixtures.sh, built once per build tree (and again
// when the script changes).
std::string fixture_dir() {
  const std::string out = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/ios";
  const std::string script = std::string(KEYSWEEP_SOURCE_DIR) + "/tests/fixtures/ios/build_ipa_fixtures.sh";
  struct stat ipa {}, src {};
  if (stat((out + "/demo.ipa").c_str(), &ipa) == 0 && stat(script.c_str(), &src) == 0 &&
      ipa.st_mtime >= src.st_mtime)
    return out;
  int rc = std::system(("'" + script + "' '" + out + "'").c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) return {};
  EXPECT_EQ(rc, 0);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(MobileProvision, TeamAndDeveloperCertificateFromTheSignedPlist) {
  std::string dir = fixture_dir();
  if (dir.empty()) GTEST_SKIP() << "plistutil or openssl missing";
  std::string der = read_file(dir + "/embedded.mobileprovision");
  ASSERT_FALSE(der.empty());
  auto p = plist::parse_provisioning_profile(der);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->team_id, "7Q3XK2M9PL");
  EXPECT_EQ(p->team_name, "Example Demo Ltd");
  EXPECT_EQ(p->app_id_name, "Demo");
  EXPECT_EQ(p->expiration, "2031-05-17T09:30:00Z");
  std::string sha = read_file(dir + "/developer_cert.sha256");
  EXPECT_EQ(p->developer_cert_sha256 + "\n", sha);
  // Without a parseable CMS wrapper the plist is still found in the bytes.
  std::string damaged = der;
  damaged[0] = '\x00';
  auto q = plist::parse_provisioning_profile(damaged);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->team_id, "7Q3XK2M9PL");
  EXPECT_FALSE(plist::parse_provisioning_profile("not a profile"));
}

TEST(IpaExtractor, IdentityReachesEveryEntryIncludingFrameworks) {
  std::string dir = fixture_dir();
  if (dir.empty()) GTEST_SKIP() << "plistutil or openssl missing";
  std::string ipa = read_file(dir + "/demo.ipa");
  Blob blob(ipa, nullptr, {"demo.ipa"});
  IpaExtractor ex;
  ASSERT_TRUE(ex.sniff(blob));
  auto out = extract(ex, blob);
  ASSERT_TRUE(out.result) << out.result.error().message;
  EXPECT_TRUE(out.diagnostics.empty());
  bool saw_framework = false;
  for (const Blob& child : out.children) {
    ASSERT_TRUE(child.app()) << child.display_path();
    EXPECT_EQ(child.app()->platform, "ios");
    EXPECT_EQ(child.app()->package, "com.example.demo");
    EXPECT_EQ(child.app()->version, "2.3.1 (417)");
    EXPECT_EQ(child.app()->team_id, "7Q3XK2M9PL");
    EXPECT_EQ(child.app()->signer_sha256 + "\n", read_file(dir + "/developer_cert.sha256"));
    if (child.chain().back() == "Payload/Demo.app/Frameworks/DemoKit.framework/Info.plist") {
      saw_framework = true;
      // Its own bundle id does not replace the app's; its plist is extracted with the identity.
      auto inner = extract(PlistExtractor(), child);
      ASSERT_TRUE(inner.result);
      ASSERT_EQ(inner.children.size(), 1u);
      ASSERT_TRUE(inner.children[0].app());
      EXPECT_EQ(inner.children[0].app()->package, "com.example.demo");
    }
  }
  EXPECT_TRUE(saw_framework);
}

TEST(IpaExtractor, PlainZipsAndApksAreNotIpas) {
  std::string dir = fixture_dir();
  if (dir.empty()) GTEST_SKIP() << "plistutil or openssl missing";
  std::string ipa = read_file(dir + "/demo.ipa");
  // Renaming the folder: "Payload/" no longer starts the names of the same bytes.
  std::string renamed = ipa;
  for (size_t at = renamed.find("Payload/"); at != std::string::npos; at = renamed.find("Payload/", at + 1))
    renamed[at] = 'X';
  EXPECT_FALSE(IpaExtractor().sniff(Blob(renamed, nullptr, {"demo.zip"})));
  EXPECT_FALSE(IpaExtractor().sniff(Blob(std::string_view(kXml), nullptr, {"x"})));
}

}  // namespace
}  // namespace keysweep
