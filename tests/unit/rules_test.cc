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

}  // namespace
}  // namespace keysweep
