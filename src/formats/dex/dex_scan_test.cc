// The DEX extractor through the whole engine (libkeysweep): a secret in a DEX is reported by its
// rule, with the DEX's chain and the method or field that holds it. Lives apart from dex_test.cc
// because it links the matcher, which the format library itself must never depend on.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keysweep/scan.h"

namespace keysweep {
namespace {

TEST(DexScan, FindingsNameTheDexAndTheSymbol) {
  const std::string out = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/android-scan";
  int rc = std::system((std::string(KEYSWEEP_SOURCE_DIR) +
                        "/tests/fixtures/android/build_dex_fixtures.sh '" + out + "'")
                           .c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77) {
    GTEST_SKIP() << "smali is not installed (apt-get install libsmali-java)";
  }
  ASSERT_EQ(rc, 0);
  std::ifstream in(out + "/classes.dex", std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();

  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  std::vector<Finding> findings;
  auto totals = scanner->scan_buffer(bytes.str(), "app/classes.dex",
                                     [&](const Finding& f) { findings.push_back(f); });
  ASSERT_TRUE(totals) << totals.error().to_string();
  EXPECT_TRUE(totals->warnings.empty());

  auto find = [&](std::string_view rule) -> const Finding* {
    for (const Finding& f : findings) {
      if (f.rule_id == rule) return &f;
    }
    return nullptr;
  };
  const Finding* twilio = find("twilio.auth_token");
  ASSERT_NE(twilio, nullptr);
  EXPECT_EQ(twilio->secret, "8c1f5a2e9d7b3c6f0a4e1d8b2c9f7a3e");
  EXPECT_EQ(twilio->location.symbol, "com.example.Config.TWILIO_AUTH_TOKEN");
  EXPECT_EQ(twilio->location.chain, (std::vector<std::string>{"app/classes.dex", "strings"}));
  EXPECT_EQ(twilio->location.line, 0u);

  const Finding* aws = find("aws.access_key_id");
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->secret, "AKIAQ7LM2XW4RTZ5KDNB");
  EXPECT_EQ(aws->location.symbol, "com.example.sms.TwilioClient.send()");
}

}  // namespace
}  // namespace keysweep
