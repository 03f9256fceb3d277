// iOS formats through the whole engine (libkeysweep): a key under a plist key path is found by its
// rule with the key path as its symbol, and every finding from an IPA names the app.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "keysweep/scan.h"

namespace keysweep {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class PlistScan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/ios-scan";
    // Built once per build tree, and again when the script changes (the Mach-O part is slow).
    const std::string script = std::string(KEYSWEEP_SOURCE_DIR) + "/tests/fixtures/ios/build_ipa_fixtures.sh";
    struct stat ipa {}, src {};
    if (stat((dir_ + "/demo.ipa").c_str(), &ipa) == 0 && stat(script.c_str(), &src) == 0 &&
        ipa.st_mtime >= src.st_mtime)
      return;
    int rc = std::system(("'" + script + "' '" + dir_ + "'").c_str());
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) GTEST_SKIP() << "plistutil or openssl missing";
    ASSERT_EQ(rc, 0);
  }

  std::vector<Finding> scan(const std::string& file, const std::string& name) {
    auto scanner = Scanner::create({});
    EXPECT_TRUE(scanner) << scanner.error().to_string();
    std::vector<Finding> out;
    auto totals = scanner->scan_buffer(read_file(dir_ + "/" + file), name,
                                       [&](const Finding& f) { out.push_back(f); });
    EXPECT_TRUE(totals) << totals.error().to_string();
    return out;
  }

  static const Finding* find(const std::vector<Finding>& fs, std::string_view rule, std::string_view symbol) {
    // A part of a pair counts: the app's Twilio token pairs with the Account SID in its binary.
    for (const Finding& f : fs) {
      if (f.rule_id == rule && f.location.symbol == symbol) return &f;
      for (const Finding& p : f.parts)
        if (p.rule_id == rule && p.location.symbol == symbol) return &p;
    }
    return nullptr;
  }

  std::string dir_;
};

TEST_F(PlistScan, TwilioTokenUnderAnInfoPlistKeyIsRecognisedByTheKeyPath) {
  // A bare 32-hex value matches nothing: the key path "TwilioAuthToken" is the rule's context.
  auto fs = scan("Info.plist", "Info.plist");
  const Finding* f = find(fs, "twilio.auth_token", "Info.plist:TwilioAuthToken");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->secret, "4f9c2e7a1b8d3f6e0c5a9b2d7e1f4a8c");
  EXPECT_EQ(f->location.chain, (std::vector<std::string>{"Info.plist", "values"}));
}

TEST_F(PlistScan, Utf16LocalizableStrings) {
  auto fs = scan("Localizable.strings", "en.lproj/Localizable.strings");
  const Finding* f = find(fs, "aws.access_key_id", "Localizable.strings:upload_access_key_id");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->secret, "AKIA5VQ3WX7LRTZ2MPKD");
}

TEST_F(PlistScan, EveryFindingFromAnIpaNamesTheApp) {
  auto fs = scan("demo.ipa", "demo.ipa");
  const Finding* google = find(fs, "google.api_key", "GoogleService-Info.plist:API_KEY");
  const Finding* twilio = find(fs, "twilio.auth_token", "Info.plist:TwilioAuthToken");
  const Finding* strings = find(fs, "aws.access_key_id", "Localizable.strings:upload_access_key_id");
  const Finding* framework = find(fs, "aws.access_key_id", "Info.plist:UploadKeyId");
  ASSERT_NE(google, nullptr);
  ASSERT_NE(twilio, nullptr);
  ASSERT_NE(strings, nullptr);
  ASSERT_NE(framework, nullptr);
  EXPECT_EQ(framework->location.chain,
            (std::vector<std::string>{"demo.ipa", "Payload/Demo.app/Frameworks/DemoKit.framework/Info.plist", "values"}));
  const std::string sha = read_file(dir_ + "/developer_cert.sha256");
  for (const Finding& f : fs) {
    EXPECT_EQ(f.app.platform, "ios") << f.location.display_path();
    EXPECT_EQ(f.app.package, "com.example.demo") << f.location.display_path();
    EXPECT_EQ(f.app.version, "2.3.1 (417)");
    EXPECT_EQ(f.app.team_id, "7Q3XK2M9PL");
    EXPECT_EQ(f.app.signer_sha256 + "\n", sha);
  }
}

}  // namespace
}  // namespace keysweep
