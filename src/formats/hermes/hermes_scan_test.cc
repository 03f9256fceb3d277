// Hermes bytecode through the whole engine (libkeysweep, the same pipeline `keysweep scan` runs):
// a credential in a bundle's string table is reported by its rule, with the string's id. Apart
// from hermes_test.cc because it links the matcher, which a format library must not depend on.
#include <gtest/gtest.h>

#include "formats/hermes/hermes_test_file.h"
#include "keysweep/scan.h"

namespace keysweep {
namespace {

// 96: the last main-branch version (16-byte function headers); 99: static Hermes (12-byte).
class HermesScan : public ::testing::TestWithParam<uint32_t> {};

TEST_P(HermesScan, FindingsNameTheBundleAndTheStringId) {
  using hermes_test::TestString;
  const std::string bundle = hermes_test::build_hbc(
      GetParam(), {{"global", false},
           {"twilioAccountSid", false},
           {"AC3f9b2e7d41c6a08e5f9d3b2a7c41e6d8", false},
           {hermes_test::utf16le(u"AKIAR4M7QZ2W6HJ5TNVX – clé"), true}});
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  std::vector<Finding> findings;
  auto totals = scanner->scan_buffer(bundle, "app.apk!assets/index.android.bundle",
                                     [&](const Finding& f) { findings.push_back(f); });
  ASSERT_TRUE(totals) << totals.error().to_string();
  EXPECT_TRUE(totals->warnings.empty());

  auto find = [&](std::string_view rule) -> const Finding* {
    for (const Finding& f : findings)
      if (f.rule_id == rule) return &f;
    return nullptr;
  };
  const Finding* sid = find("twilio.account_sid");
  ASSERT_NE(sid, nullptr);
  EXPECT_EQ(sid->secret, "AC3f9b2e7d41c6a08e5f9d3b2a7c41e6d8");
  EXPECT_EQ(sid->location.symbol, "hermes string #2");
  EXPECT_EQ(sid->location.chain,
            (std::vector<std::string>{"app.apk!assets/index.android.bundle", "strings"}));

  const Finding* aws = find("aws.access_key_id");  // from a UTF-16 string
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->secret, "AKIAR4M7QZ2W6HJ5TNVX");
  EXPECT_EQ(aws->location.symbol, "hermes string #3");
}

INSTANTIATE_TEST_SUITE_P(Versions, HermesScan, ::testing::Values(96u, 99u));

}  // namespace
}  // namespace keysweep
