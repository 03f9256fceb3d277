// The Mach-O extractor through the whole engine (libkeysweep): secrets in an iOS binary are
// reported by their rule, with the symbol or section and the slices that hold them, once per
// universal binary. Lives apart from macho_test.cc because it links the matcher, which the format
// library itself must never depend on.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "keysweep/scan.h"

namespace keysweep {
namespace {

class MachOScan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/ios-macho-scan";
    int rc = std::system((std::string(KEYSWEEP_SOURCE_DIR) +
                          "/tests/fixtures/ios/build_macho_fixtures.sh '" + dir_ + "'")
                             .c_str());
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
      GTEST_SKIP() << "clang-16/lld-16/llvm-16 not installed (scripts/install-deps)";
    ASSERT_EQ(rc, 0);
  }
  std::vector<Finding> scan(const std::string& fixture, std::vector<std::string>* warnings) {
    std::ifstream in(dir_ + "/" + fixture, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto scanner = Scanner::create({});
    EXPECT_TRUE(scanner) << scanner.error().to_string();
    std::vector<Finding> findings;
    if (!scanner) return findings;
    auto totals = scanner->scan_buffer(bytes.str(), "Payload/Nav.app/Nav",
                                       [&](const Finding& f) { findings.push_back(f); });
    EXPECT_TRUE(totals) << totals.error().to_string();
    if (totals && warnings) *warnings = totals->warnings;
    return findings;
  }
  std::string dir_;
};

std::vector<const Finding*> with_rule(const std::vector<Finding>& fs, std::string_view rule) {
  std::vector<const Finding*> out;
  for (const Finding& f : fs)
    if (f.rule_id == rule) out.push_back(&f);
  return out;
}

TEST_F(MachOScan, UniversalBinaryFindingsNameSymbolAndSlicesOnce) {
  std::vector<std::string> warnings;
  std::vector<Finding> findings = scan("app-fat", &warnings);
  EXPECT_TRUE(warnings.empty());
  // The Objective-C Account SID and the C auth token pair up: one finding with both parts, each
  // labelled where it lives in the binary.
  auto pair = with_rule(findings, "twilio.account");
  ASSERT_EQ(pair.size(), 1u);
  std::map<std::string, const Finding*> parts;
  for (const Finding& p : pair[0]->parts) parts[p.rule_id] = &p;
  ASSERT_TRUE(parts.count("twilio.auth_token") && parts.count("twilio.account_sid"));
  EXPECT_EQ(parts["twilio.auth_token"]->secret, "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f");
  EXPECT_EQ(parts["twilio.auth_token"]->location.symbol, "_kTwilioAuthToken [x86_64, arm64]");
  EXPECT_EQ(parts["twilio.auth_token"]->location.chain,
            (std::vector<std::string>{"Payload/Nav.app/Nav", "strings"}));
  EXPECT_EQ(parts["twilio.account_sid"]->location.symbol,
            "__DATA_CONST,__cfstring [x86_64, arm64]");

  // Once, though both slices hold it.
  auto aws = with_rule(findings, "aws.access_key_id");
  ASSERT_EQ(aws.size(), 1u);
  EXPECT_EQ(aws[0]->location.symbol, "__TEXT,__cstring [x86_64, arm64]");
}

TEST_F(MachOScan, EncryptedBinaryIsAWarningNamingTheFile) {
  std::vector<std::string> warnings;
  std::vector<Finding> findings = scan("app-encrypted", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Payload/Nav.app/Nav"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("FairPlay-encrypted"), std::string::npos) << warnings[0];
  // The strings sit in the encrypted range: a parsed binary is not scanned again as raw bytes.
  EXPECT_TRUE(with_rule(findings, "aws.access_key_id").empty());
}

}  // namespace
}  // namespace keysweep
