// A pattern given to Vectorscan as its head (pattern_tail.h) must end where the whole pattern
// does, and give the matcher the same windows: they are built from the ends in the order they
// come (an end only $ gives comes after the others, as Vectorscan's do; where Vectorscan has
// reported that end already it drops the repeat, which extends no window).
// Checked against Vectorscan itself, the whole built-in rule set at once, over each rule's examples
// with every byte after them and repeats around their bounds, and over a directory given in
// KEYSWEEP_TAIL_CHECK_DIR (the bench corpus, for a change to the tails).
#include <gtest/gtest.h>
#include <hs/hs.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "input/file_walker.h"
#include "match/builtin_database.h"
#include "match/database.h"
#include "match/pattern_tail.h"
#include "match/pattern_tail_check.h"
#include "rules/rule.h"

namespace keysweep {
namespace {

TEST(PatternTail, WordBoundaryAtTheEnd) {
  auto s = split_pattern_tail(R"(\b([0-9]{15,16}\|[a-f0-9]{32})\b)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->head, R"(\b([0-9]{15,16}\|[a-f0-9]{32}))");
  EXPECT_EQ(s->tail.kind, PatternTail::Kind::kWordBoundary);
  EXPECT_EQ(s->tail.extra, 0u);
}

TEST(PatternTail, BoundedRepeatBeforeAClassOrTheEnd) {
  auto s = split_pattern_tail(R"((?:\b|bot)([0-9]{8,10}:[A-Za-z0-9_\-]{33,36})(?:[^A-Za-z0-9_\-]|$))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->head, R"((?:\b|bot)([0-9]{8,10}:[A-Za-z0-9_\-]{33}))");
  EXPECT_EQ(s->tail.kind, PatternTail::Kind::kNotClassOrEnd);
  EXPECT_EQ(s->tail.extra, 3u);
  EXPECT_TRUE(s->tail.repeat['-'] && s->tail.repeat['z'] && !s->tail.repeat['.']);
  EXPECT_TRUE(s->tail.follow['.'] && s->tail.follow['\n'] && !s->tail.follow['_']);
}

TEST(PatternTail, CaseInsensitiveClasses) {
  auto s = split_pattern_tail(R"((?i)key([a-f]{2,4})(?:[^a-f]|$))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tail.extra, 2u);
  EXPECT_TRUE(s->tail.repeat['A'] && s->tail.repeat['f']);
  EXPECT_FALSE(s->tail.follow['B']);
  // (?i: ... ) ends before the repeat: case counts there again.
  s = split_pattern_tail(R"((?i:key)([a-f]{2,4})\b)");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->tail.repeat['a'] && !s->tail.repeat['A']);
}

TEST(PatternTail, KeptWholeWhenNotReadWithCertainty) {
  EXPECT_FALSE(split_pattern_tail(R"(abc|d\b)"));              // the tail is one branch's
  EXPECT_FALSE(split_pattern_tail(R"((?m)abc(?:[^a]|$))"));    // $ is every line's end
  EXPECT_FALSE(split_pattern_tail(R"(\x41bc\b)"));             // an escape not read here
  EXPECT_FALSE(split_pattern_tail(R"(abc(?:[^\s]|$))"));       // \s: left to Vectorscan
  EXPECT_FALSE(split_pattern_tail(R"(abc\b?)"));               // quantified
  EXPECT_FALSE(split_pattern_tail(R"(\b)"));                   // nothing before it
  EXPECT_FALSE(split_pattern_tail(std::string("ab\0c\\b", 6)));   // Vectorscan reads up to the NUL
  // A head that can match nothing, which Vectorscan would reject: the pattern stays whole.
  EXPECT_FALSE(split_pattern_tail(R"((?:\b|bo{3,5})(?:[^a]|$))"));
  EXPECT_FALSE(split_pattern_tail(R"(a?(?:b|c)[0-9]*\b)"));
  EXPECT_TRUE(split_pattern_tail(R"((ab)?c\b)"));
  // A repeat in a group with alternation stays as written; the \b is still taken.
  auto s = split_pattern_tail(R"(k(x|[a-z]{2,5})\b)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->head, "k(x|[a-z]{2,5})");
  EXPECT_EQ(s->tail.extra, 0u);
  // A repeat whose class holds bytes the tail accepts, or non-word bytes before a \b: kept.
  s = split_pattern_tail(R"(k([a-z.]{2,5})\b)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tail.extra, 0u);
  s = split_pattern_tail(R"(k([a-z]{2,5})(?:[^0-9]|$))");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->tail.extra, 0u);
}

// Every rule's ends in one scan, in the order they come: as Vectorscan reports them for the whole
// patterns, or from the heads through their tails as the matcher derives them (and a rule split at
// its keywords, keyword_split.h, from its rest and its keywords, sorted, as the matcher does).
class EndsOfEveryRule {
 public:
  explicit EndsOfEveryRule(const std::vector<Rule>& rules, bool heads) : set_(rules) {
    if (!heads)
      for (size_t i = 0; i < rules.size(); ++i) set_.prefilter(i);  // whole patterns...
    for (auto& f : set_.flags) f = 0;                                // ...compiled exactly
    if (!heads) set_.tails.assign(rules.size(), std::nullopt);
    if (!heads) set_.keyword_splits.assign(rules.size(), std::nullopt);
    hs_compile_error_t* err = nullptr;
    // A rule Vectorscan compiles only in prefilter mode (the built-in database lists them) is left
    // out of both sides: the matcher gives it its whole pattern.
    const auto prefiltered = builtin_database().prefiltered;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (std::find(prefiltered.begin(), prefiltered.end(), i) != prefiltered.end()) continue;
      exprs_.push_back(set_.patterns[i]);
      ids_.push_back(static_cast<unsigned>(i));
    }
    if (heads)
      for (size_t j = rules.size(); j < set_.patterns.size(); ++j) {
        exprs_.push_back(set_.patterns[j]);
        ids_.push_back(set_.ids[j]);
      }
    std::vector<unsigned> zero(exprs_.size(), 0);
    if (hs_compile_multi(exprs_.data(), zero.data(), ids_.data(), static_cast<unsigned>(exprs_.size()),
                         HS_MODE_BLOCK, nullptr, &db_, &err) != HS_SUCCESS) {
      ADD_FAILURE() << "Vectorscan: " << (err ? err->message : "?");
      hs_free_compile_error(err);
      return;
    }
    hs_alloc_scratch(db_, &scratch_);
  }
  ~EndsOfEveryRule() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }

  std::map<unsigned, std::vector<uint64_t>> scan(std::string_view data) {
    struct Ctx {
      EndsOfEveryRule* self;
      std::string_view data;
      std::map<unsigned, std::vector<uint64_t>> ends;
      std::vector<std::pair<unsigned, uint64_t>> late;
    } ctx{this, data, {}, {}};
    auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* p) {
      auto& c = *static_cast<Ctx*>(p);
      const PatternSet& set = c.self->set_;
      if (id >= set.rule_count()) {
        const auto k = set.keyword_ids[id - set.rule_count()];
        set.keyword_splits[k.rule]->ends(c.data, k.keyword, to, [&](uint64_t e) { c.ends[k.rule].push_back(e); });
      } else if (const auto& tail = set.tails[id])
        tail->ends(
            c.data, to, [&](uint64_t e) { c.ends[id].push_back(e); },
            [&](uint64_t e) { c.late.emplace_back(id, e); });
      else
        c.ends[id].push_back(to);
      return 0;
    };
    if (db_) hs_scan(db_, data.data(), static_cast<unsigned>(data.size()), 0, scratch_, on_match, &ctx);
    for (auto [id, e] : ctx.late) ctx.ends[id].push_back(e);
    for (auto& [id, ends] : ctx.ends)
      if (set_.keyword_splits[id]) {
        std::sort(ends.begin(), ends.end());
        ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
      }
    return std::move(ctx.ends);
  }

 private:
  PatternSet set_;
  std::vector<const char*> exprs_;
  std::vector<unsigned> ids_;
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

class PatternTailEnds : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto rules = load_builtin_rules();
    ASSERT_TRUE(rules) << rules.error().message;
    rules_ = new std::vector<Rule>(std::move(rules->rules));
    whole_ = new EndsOfEveryRule(*rules_, false);
    heads_ = new EndsOfEveryRule(*rules_, true);
  }
  static void TearDownTestSuite() {
    delete whole_;
    delete heads_;
    delete rules_;
  }
  // Fails naming the first rule whose ends differ, and the text.
  static void expect_same_ends(std::string_view text, const std::string& what) {
    auto a = whole_->scan(text), b = heads_->scan(text);
    if (a == b) return;
    bool same = a.size() == b.size();
    for (const auto& [id, ends] : a)
      same = same && b.count(id) && windows_and_ends(ends, (*rules_)[id].max_length) == windows_and_ends(b[id], (*rules_)[id].max_length);
    if (same) return;
    for (const auto& [id, ends] : a)
      if (b[id] != ends) {
        ADD_FAILURE() << what << ": rule " << (*rules_)[id].id << " ends differ on " << testing::PrintToString(std::string(text.substr(0, 300)));
        return;
      }
    for (const auto& [id, ends] : b)
      if (a[id] != ends) {
        ADD_FAILURE() << what << ": rule " << (*rules_)[id].id << " has ends only from its head on "
                      << testing::PrintToString(std::string(text.substr(0, 300)));
        return;
      }
  }
  static std::vector<Rule>* rules_;
  static EndsOfEveryRule* whole_;
  static EndsOfEveryRule* heads_;
};
std::vector<Rule>* PatternTailEnds::rules_ = nullptr;
EndsOfEveryRule* PatternTailEnds::whole_ = nullptr;
EndsOfEveryRule* PatternTailEnds::heads_ = nullptr;

TEST(PatternTail, BuiltinRulesSplitSome) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules) << rules.error().message;
  size_t split = 0, repeats = 0;
  for (const Rule& r : rules->rules)
    if (auto s = split_pattern_tail(r.pattern)) {
      ++split;
      repeats += s->tail.extra > 0;
    }
  // Not a fixed count (rules come and go): that the reader takes the common tails at all.
  EXPECT_GT(split, rules->rules.size() / 4);
  EXPECT_GT(repeats, 0u);
}

TEST_F(PatternTailEnds, SameEndsOnEveryExampleWithEveryByteAfterIt) {
  for (const Rule& r : *rules_) {
    auto s = split_pattern_tail(r.pattern);
    if (!s) continue;
    std::vector<std::string> examples = r.positive_examples;
    examples.insert(examples.end(), r.negative_examples.begin(), r.negative_examples.end());
    for (const std::string& ex : examples) {
      for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        expect_same_ends(ex + c, r.id + " + byte " + std::to_string(b));
        expect_same_ends(ex + c + "\n", r.id + " + byte, line feed");
        expect_same_ends(std::string(1, c) + ex, r.id + " byte before");
      }
      expect_same_ends(ex, r.id);
      expect_same_ends(ex + "\n", r.id + " + line feed");
      expect_same_ends(ex + "\n\n", r.id + " + two line feeds");
      // Around the repeat's bounds: the example's last byte repeated, and cut short.
      if (!ex.empty())
        for (size_t k = 1; k <= s->tail.extra + 2 && k < 80; ++k) {
          expect_same_ends(ex + std::string(k, ex.back()), r.id + " longer by " + std::to_string(k));
          expect_same_ends(ex + std::string(k, ex.back()) + " x", r.id + " longer, then a space");
          if (k < ex.size()) expect_same_ends(ex.substr(0, ex.size() - k), r.id + " shorter");
        }
      // Two in a row, as in a list.
      expect_same_ends(ex + ex, r.id + " twice");
      expect_same_ends(ex + "," + ex + "\n", r.id + " twice, comma");
    }
  }
}

TEST_F(PatternTailEnds, SameEndsOverADirectory) {
  const char* dir = std::getenv("KEYSWEEP_TAIL_CHECK_DIR");
  CollectingDiagnostics diagnostics;
  size_t files = 0;
  walk_files({dir && *dir ? dir : "tests/fixtures"}, WalkOptions{}, diagnostics, [&](WalkedFile f) {
    if (f.problem) return;
    std::ifstream in(f.path, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    expect_same_ends(bytes, f.path);
    ++files;
  });
  EXPECT_GT(files, 0u);
}

}  // namespace
}  // namespace keysweep
