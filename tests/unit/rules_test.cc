#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/rule.h"

namespace keysweep {
namespace {

// The built-in rules are rules/*.toml parsed at build time (src/rules/embed_rules.cc). Parsing the
// same files now must give equal rules, every field (Rule::operator== is defaulted), in the same
// order; a Rule field that the embedding drops, or a stale build, fails here.
TEST(BuiltinRules, EqualRulesTomlParsedAtRunTime) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(KEYSWEEP_SOURCE_DIR) / "rules"))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 100u);
  std::vector<Rule> expected;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto rules = parse_rule_file(text.str(), "rules/" + f.filename().string());
    ASSERT_TRUE(rules) << rules.error().to_string();
    for (auto& r : *rules) {
      r.builtin = true;
      expected.push_back(std::move(r));
    }
  }
  auto builtin = load_builtin_rules();
  ASSERT_TRUE(builtin) << builtin.error().to_string();
  ASSERT_EQ(builtin->rules.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_TRUE(builtin->rules[i] == expected[i]) << "rule " << i << ": " << expected[i].id;
}

// The bytes embed_rules.cc escapes in its literals are there to escape (so the test above covers
// them), and the embedded set passes the static checks.
TEST(BuiltinRules, PatternsHoldTheBytesTheEmbeddingEscapes) {
  auto set = load_builtin_rules();
  ASSERT_TRUE(set);
  bool backslash = false, question = false, quote = false;
  for (const Rule& r : set->rules) {
    backslash |= r.pattern.find('\\') != std::string::npos;
    question |= r.pattern.find('?') != std::string::npos;
    quote |= r.pattern.find('"') != std::string::npos;
  }
  EXPECT_TRUE(backslash);
  EXPECT_TRUE(question);
  EXPECT_TRUE(quote);
  EXPECT_TRUE(lint_rules(*set));
}

// `grants` orders fleet reports by risk: the rules that matter most declare it, a rule that does
// not gets the default, and a value outside the documented five is refused with the list.
TEST(RuleGrants, DeclaredDefaultedAndValidated) {
  auto set = load_builtin_rules();
  ASSERT_TRUE(set);
  auto grants_of = [&](std::string_view id) {
    const Rule* r = set->find(id);
    EXPECT_NE(r, nullptr) << id;
    return r ? r->grants : Grants::kScopedWrite;
  };
  EXPECT_EQ(grants_of("twilio.auth_token"), Grants::kFullAccount);
  EXPECT_EQ(grants_of("twilio.account_sid"), Grants::kIdentifier);
  EXPECT_EQ(grants_of("aws.secret_access_key"), Grants::kFullAccount);
  EXPECT_EQ(grants_of("aws.access_key_id"), Grants::kIdentifier);
  EXPECT_EQ(grants_of("stripe.secret_key"), Grants::kFullAccount);
  EXPECT_EQ(grants_of("stripe.restricted_key"), Grants::kScopedWrite);
  EXPECT_EQ(grants_of("github.pat_classic"), Grants::kFullAccount);
  EXPECT_EQ(grants_of("slack.webhook_url"), Grants::kScopedWrite);
  EXPECT_EQ(grants_of("firebase.database_url"), Grants::kPublicConfig);
  EXPECT_EQ(grants_of("google.oauth_client_id"), Grants::kPublicConfig);
  EXPECT_EQ(grants_of("privatekey.rsa"), Grants::kFullAccount);
  EXPECT_EQ(grants_of("generic.password"), Grants::kFullAccount);

  const std::string base =
      "[[rules]]\nid = \"acme.key\"\nname = \"Acme Key\"\nprovider = \"acme\"\n"
      "pattern = '\\b(acme_[a-z0-9]{20})\\b'\n"
      "positive_examples = ['acme_abcdefghij0123456789']\nremediation = \"Rotate it.\"\n";
  auto plain = parse_rule_file(base, "acme.toml");
  ASSERT_TRUE(plain) << plain.error().to_string();
  EXPECT_EQ(plain->front().grants, kDefaultGrants);
  auto declared = parse_rule_file(base + "grants = \"read-only\"\n", "acme.toml");
  ASSERT_TRUE(declared) << declared.error().to_string();
  EXPECT_EQ(declared->front().grants, Grants::kReadOnly);
  auto bad = parse_rule_file(base + "grants = \"admin\"\n", "acme.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("grants must be one of public-config, identifier, read-only, "
                                     "scoped-write, full-account, not 'admin'"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace keysweep
