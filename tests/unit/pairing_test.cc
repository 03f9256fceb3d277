#include <gtest/gtest.h>

#include "match/pairing.h"

namespace keysweep {
namespace {

Rule part_rule(std::string id, std::string pair, std::string role, Confidence c) {
  Rule r;
  r.id = std::move(id);
  r.name = r.id;
  r.provider = "p";
  r.pair = std::move(pair);
  r.pair_role = std::move(role);
  r.confidence = c;
  return r;
}

Finding found(std::string rule, std::vector<std::string> chain, uint64_t offset,
              std::string secret, Confidence c = Confidence::kMedium) {
  Finding f;
  f.rule_id = std::move(rule);
  f.provider = "p";
  f.location.chain = std::move(chain);
  f.location.offset = offset;
  f.secret = secret;
  f.secret_sha256 = "h(" + secret + ")";
  f.confidence = c;
  return f;
}

class PairingTest : public ::testing::Test {
 protected:
  RuleSet rules;
  void SetUp() override {
    rules.rules = {part_rule("t.sid", "t.account", "id", Confidence::kMedium),
                   part_rule("t.token", "t.account", "secret", Confidence::kMedium),
                   part_rule("a.id", "a.creds", "id", Confidence::kHigh),
                   part_rule("a.secret", "a.creds", "secret", Confidence::kMedium)};
  }
};

TEST_F(PairingTest, JoinsTheNearestPartsOfOneFile) {
  std::vector<Finding> f = {found("t.sid", {"f"}, 10, "SID1"), found("t.token", {"f"}, 60, "TOK1"),
                            found("t.sid", {"f"}, 500, "SID2"),
                            found("t.token", {"f"}, 520, "TOK2")};
  auto stats = pair_findings(f, rules);
  EXPECT_EQ(stats.pairs, 2u);
  ASSERT_EQ(f.size(), 2u);
  for (const auto& p : f) {
    ASSERT_TRUE(p.is_pair());
    EXPECT_EQ(p.rule_id, "t.account");
    EXPECT_EQ(p.confidence, Confidence::kHigh);
    ASSERT_EQ(p.parts.size(), 2u);
    EXPECT_EQ(p.parts[0].pair_role, "id");
    EXPECT_EQ(p.parts[1].pair_role, "secret");
  }
  EXPECT_EQ(f[0].parts[0].secret, "SID1");
  EXPECT_EQ(f[0].parts[1].secret, "TOK1");
  EXPECT_EQ(f[1].parts[0].secret, "SID2");
  EXPECT_EQ(f[1].parts[1].secret, "TOK2");
}

TEST_F(PairingTest, JoinsAcrossTheFilesOfOneApp) {
  // The SID sits in the DEX, the token in resources.arsc of the same APK.
  std::vector<Finding> f = {found("t.sid", {"app.apk", "classes.dex"}, 100, "SID"),
                            found("t.token", {"app.apk", "resources.arsc"}, 7, "TOK")};
  pair_findings(f, rules);
  ASSERT_EQ(f.size(), 1u);
  ASSERT_TRUE(f[0].is_pair());
  EXPECT_EQ(f[0].parts[0].location.chain.back(), "classes.dex");
  EXPECT_EQ(f[0].location.chain.back(), "resources.arsc");
}

TEST_F(PairingTest, UnpairedHalvesStayOneConfidenceStepLower) {
  std::vector<Finding> f = {found("a.id", {"f"}, 0, "AKIA", Confidence::kHigh),
                            found("t.token", {"f"}, 50, "TOK", Confidence::kMedium)};
  auto stats = pair_findings(f, rules);
  EXPECT_EQ(stats.pairs, 0u);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].confidence, Confidence::kMedium);
  EXPECT_EQ(f[1].confidence, Confidence::kLow);
  EXPECT_FALSE(f[0].is_pair());
}

TEST_F(PairingTest, ThousandsOfCandidatesAreBounded) {
  std::vector<Finding> f;
  for (int i = 0; i < 5000; ++i) {
    f.push_back(found("t.sid", {"big"}, static_cast<uint64_t>(i) * 100, "S" + std::to_string(i)));
    f.push_back(found("t.token", {"big"}, static_cast<uint64_t>(i) * 100 + 50, "T" + std::to_string(i)));
  }
  auto stats = pair_findings(f, rules);
  EXPECT_TRUE(stats.bound_hit);
  EXPECT_EQ(stats.pairs, kMaxPairsPerScope);
  size_t pairs = 0, singles = 0;
  for (const auto& x : f) (x.is_pair() ? pairs : singles)++;
  EXPECT_EQ(pairs, kMaxPairsPerScope);
  EXPECT_EQ(singles, 10000u - 2 * kMaxPairsPerScope);
  // Proximity: each pair joins the SID and token 50 bytes apart.
  for (const auto& x : f) {
    if (x.is_pair()) {
      EXPECT_EQ(x.parts[1].location.offset - x.parts[0].location.offset, 50u);
    }
  }
}

}  // namespace
}  // namespace keysweep
