// A pattern split at its keywords (keyword_split.h) must end where the whole pattern does, in the
// order the matcher sees them: checked against Vectorscan itself for the built-in rules it splits
// and for patterns of the same shape with other keywords, over the rules' examples and over texts
// built from the bytes the forms turn on. (Over a directory: pattern_tail_test's comparison of the
// whole rule set, which includes the split, with KEYSWEEP_TAIL_CHECK_DIR.)
#include "match/keyword_split.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "match/keyword_split_check.h"
#include "rules/rule.h"

namespace keysweep {
namespace {

constexpr std::string_view kForms =
    R"(\w{0,30}(?:["'`\]\\]{0,3}|&quot;)(?:\s{1,12}(?:string|String|str|\[\]byte|value|Value))?[ \t]{0,16}(?:[:=]|[?.+]=))";

std::string shaped(const std::string& keywords, const std::string& rest) {
  const std::string g = "(?:" + keywords + ")";
  return "(?i)" + g + std::string(kForms) + "|" + g + R"(\w{0,30}["']\s{0,2}[,>])" + "|<\\w{0,30}" + g +
         "\\w{0,30}>|" + rest;
}

TEST(KeywordSplit, ReadsTheShape) {
  auto s = split_keyword_pattern(shaped(R"(pass|pwd|\bpw\b)", R"(identified\s+by|-p\w)"));
  ASSERT_TRUE(s);
  ASSERT_EQ(s->keywords.size(), 3u);
  EXPECT_EQ(s->keywords[0].text, "pass");
  EXPECT_FALSE(s->keywords[0].boundary_before);
  EXPECT_TRUE(s->keywords[2].boundary_before && s->keywords[2].boundary_after);
  EXPECT_EQ(s->keywords[2].pattern, R"((?i)\bpw\b)");
  EXPECT_EQ(s->rest, R"((?i)identified\s+by|-p\w)");
}

TEST(KeywordSplit, OtherPatternsStayWhole) {
  EXPECT_FALSE(split_keyword_pattern(shaped("pass|pwd", "")));            // nothing after the forms
  EXPECT_FALSE(split_keyword_pattern(shaped("Pass|pwd", "x")));           // not lower case
  EXPECT_FALSE(split_keyword_pattern(shaped("pa.s|pwd", "x")));           // not a word
  EXPECT_FALSE(split_keyword_pattern(shaped("pass||pwd", "x")));          // an empty keyword
  EXPECT_FALSE(split_keyword_pattern(shaped("pass", "x").substr(4)));     // no (?i)
  std::string other = shaped("pass", "x");
  other.replace(other.find("{0,16}"), 6, "{0,17}");                      // another form
  EXPECT_FALSE(split_keyword_pattern(other));
  EXPECT_FALSE(split_keyword_pattern(R"((?i)(?:pass|pwd)\w{0,30}=)"));
}

class KeywordSplitEnds : public ::testing::Test {
 protected:
  // The built-in rules split at their keywords, and shapes Vectorscan and the forms read alike.
  static std::vector<std::string> patterns() {
    std::vector<std::string> out;
    auto rules = load_builtin_rules();
    EXPECT_TRUE(rules);
    if (!rules) return out;
    for (const Rule& r : rules->rules)
      if (split_keyword_pattern(r.pattern)) out.push_back(r.pattern);
    out.push_back(shaped(R"(\bkey\b|ab|b|\bsid)", "zz"));     // one keyword inside another
    out.push_back(shaped(R"(x|token\b|secret)", R"((?-i:ENV)[ \t]+x)"));
    return out;
  }
  static std::vector<std::string> rule_examples() {
    std::vector<std::string> out;
    auto rules = load_builtin_rules();
    if (!rules) return out;
    for (const Rule& r : rules->rules)
      if (split_keyword_pattern(r.pattern)) {
        out.insert(out.end(), r.positive_examples.begin(), r.positive_examples.end());
        out.insert(out.end(), r.negative_examples.begin(), r.negative_examples.end());
      }
    return out;
  }
  // Vectorscan reports the whole pattern's ends in increasing order, each once (the matcher's
  // windows are built in that order), and the split gives the same list.
  static void expect_same(const KeywordSplitCheck& check, std::string_view text, const std::string& what) {
    const std::vector<uint64_t> whole = check.whole_ends(text);
    ASSERT_TRUE(std::is_sorted(whole.begin(), whole.end()) &&
                std::adjacent_find(whole.begin(), whole.end()) == whole.end())
        << what << ": Vectorscan's own ends out of order";
    ASSERT_EQ(check.split_ends(text), whole) << what << ": " << testing::PrintToString(std::string(text.substr(0, 300)));
  }
};

TEST_F(KeywordSplitEnds, BuiltinRulesAreSplit) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules);
  size_t split = 0;
  for (const Rule& r : rules->rules) split += split_keyword_pattern(r.pattern).has_value();
  EXPECT_GE(split, 2u);  // generic.password and generic.secret
}

TEST_F(KeywordSplitEnds, SameEndsOnTheExamplesWithEveryByteAround) {
  const auto examples = rule_examples();
  ASSERT_FALSE(examples.empty());
  for (const std::string& p : patterns()) {
    KeywordSplitCheck check(p);
    ASSERT_TRUE(check.ok()) << p;
    for (const std::string& ex : examples) {
      expect_same(check, ex, ex);
      for (int b = 0; b < 256; ++b) {
        const std::string c(1, static_cast<char>(b));
        expect_same(check, ex + c, ex + " + byte " + std::to_string(b));
        expect_same(check, c + ex, "byte before " + ex);
        // The byte inside, after each keyword-like prefix: bounds of every run of the forms.
        for (size_t at = 1; at < ex.size(); at += 3) {
          std::string t = ex;
          t.insert(at, c);
          expect_same(check, t, "byte inside " + ex);
        }
      }
    }
  }
}

// Texts of the pieces the forms are made of, in runs near their bounds (30 word bytes, 12 spaces,
// 16 blanks, 3 quotes, 2 spaces before , or >).
TEST_F(KeywordSplitEnds, SameEndsOnTextsOfTheirPieces) {
  const std::vector<std::string> pieces = {
      "pass", "PASS", "pwd", "pw", "Pw", "secret", "Token", "key", "KEY", "sid", "sId", "auth",
      "session", "signature", "ab", "b", "x", "zz", "ENV", "env", "identified", "by", "_", "a",
      "Z9", "0", "<", ">", "\"", "'", "`", "]", "\\", "&quot;", "&QUOT;", "&quot", " ", "\t", "\v",
      "\r", "\n", "\f", "string", "String", "str", "[]byte", "value", "VALUE", ":", "=", "?=",
      ".=", "+=", "?", ".", "+", ",", "-", "://", "@", "\x80", "\xff", std::string(1, '\0'),
      std::string(30, 'w'), std::string(29, 'w'), std::string(12, ' '), std::string(13, ' '),
      std::string(16, '\t'), std::string(17, ' ')};
  std::mt19937 rng(5);
  size_t ends = 0;
  for (const std::string& p : patterns()) {
    KeywordSplitCheck check(p);
    ASSERT_TRUE(check.ok()) << p;
    for (int round = 0; round < 4000; ++round) {
      std::string text;
      const size_t n = 1 + rng() % 48;
      for (size_t i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
      expect_same(check, text, p.substr(0, 40));
      if (HasFatalFailure()) return;
      ends += check.whole_ends(text).size();
    }
  }
  EXPECT_GT(ends, 5000u);  // the texts do reach the forms' ends
}

// The forms built piece by piece with every run at, below and above its bound: the word runs
// before and after the keyword (30), the quotes (3), the spaces before a type word (12), the blanks
// before the operator (16) and the spaces before , or > (2); keywords in either case, and the
// bytes that end or break each part.
TEST_F(KeywordSplitEnds, SameEndsAroundEveryBound) {
  std::mt19937 rng(9);
  auto pick = [&](std::initializer_list<std::string_view> xs) { return std::string(xs.begin()[rng() % xs.size()]); };
  auto around = [&](size_t bound) { return std::vector<size_t>{0, 1, bound - 1, bound, bound + 1}[rng() % 5]; };
  auto runs = [&](std::string_view bytes, size_t n) {
    std::string r;
    for (size_t i = 0; i < n; ++i) r += bytes[rng() % bytes.size()];
    return r;
  };
  size_t ends = 0;
  for (const std::string& p : patterns()) {
    KeywordSplitCheck check(p);
    ASSERT_TRUE(check.ok()) << p;
    for (int round = 0; round < 20000; ++round) {
      std::string kw = check.split().keywords[rng() % check.split().keywords.size()].text;
      if (rng() % 2) for (char& c : kw) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string text = pick({"", "", "x", " ", "a<", "<", "=", "-"});
      if (rng() % 3 == 0) text += "<" + runs("aZ9_", around(30));
      text += kw + runs("aZ9_", around(30));
      switch (rng() % 3) {
        case 0:  // form 1
          text += rng() % 4 ? runs("\"'`]\\", around(3)) : pick({"&quot;", "&QUOT;", "&quo;"});
          if (rng() % 2) text += runs(" \t\v\r\n\f", around(12)) + pick({"string", "STR", "[]byte", "Value", "valu", "strin"});
          text += runs(" \t", around(16)) + pick({":", "=", "?=", ".=", "+=", "?", "!=", "x"});
          break;
        case 1:  // form 2
          text += pick({"\"", "'", "`"}) + runs(" \t\n", around(2)) + pick({",", ">", ";"});
          break;
        default:  // form 3
          text += pick({">", ")", ""});
      }
      text += pick({"", "x", " ", "=", ">"});
      expect_same(check, text, p.substr(0, 40));
      if (HasFatalFailure()) return;
      ends += check.whole_ends(text).size();
    }
  }
  EXPECT_GT(ends, 20000u);  // the texts do reach the forms' ends
}

}  // namespace
}  // namespace keysweep
