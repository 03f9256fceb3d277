// IL2CPP metadata through the whole engine (libkeysweep, the pipeline `keysweep scan` runs): a key
// among a Unity game's string literals is reported with the literal's index.
#include <gtest/gtest.h>

#include "formats/il2cpp/il2cpp_test_file.h"
#include "keysweep/scan.h"

namespace keysweep {
namespace {

TEST(Il2CppScan, FindingsNameTheLiteral) {
  // Literal data is stored back to back without separators; only the table splits it, so a raw
  // scan would see "…scoresAKIA…" and miss the key's word boundary.
  const std::string md = il2cpp_test::build_metadata(
      29, {"https://api.example.org/v2/scores", "AKIAR4M7QZ2W6HJ5TNVX", "AC3f9b2e7d41c6a08e5f9d3b2a7c41e6d8x"});
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  std::vector<Finding> findings;
  auto totals = scanner->scan_buffer(md, "game/global-metadata.dat",
                                     [&](const Finding& f) { findings.push_back(f); });
  ASSERT_TRUE(totals) << totals.error().to_string();
  EXPECT_TRUE(totals->warnings.empty());
  const Finding* aws = nullptr;
  for (const Finding& f : findings)
    if (f.rule_id == "aws.access_key_id") aws = &f;
  ASSERT_NE(aws, nullptr);
  EXPECT_EQ(aws->secret, "AKIAR4M7QZ2W6HJ5TNVX");
  EXPECT_EQ(aws->location.symbol, "il2cpp literal #1");
  EXPECT_EQ(aws->location.chain,
            (std::vector<std::string>{"game/global-metadata.dat", "string literals"}));
}

}  // namespace
}  // namespace keysweep
