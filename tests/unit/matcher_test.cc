#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include "core/blob.h"
#include "core/secret.h"
#include "io/file_faults.h"
#include "match/builtin_database.h"
#include "match/database.h"
#include "match/finding_builder.h"
#include "match/keyword_split.h"
#include "match/matcher.h"
#include "rules/rule.h"
#include "rules/validators.h"

namespace keysweep {
namespace {

Rule make_rule(std::string id, std::string provider, std::string pattern,
               Confidence c = Confidence::kMedium) {
  Rule r;
  r.id = std::move(id);
  r.name = r.id;
  r.provider = std::move(provider);
  r.pattern = std::move(pattern);
  r.confidence = c;
  r.remediation = "rotate";
  r.positive_examples = {"x"};
  return r;
}

class MatcherTest : public ::testing::Test {
 protected:
  void compile(std::vector<Rule> rules) {
    RuleSet set;
    set.rules = std::move(rules);
    auto m = Matcher::compile(std::move(set));
    ASSERT_TRUE(m) << m.error().to_string();
    matcher = std::move(*m);
    scratch = matcher->make_scratch();
  }
  std::vector<RuleMatch> scan(const std::string& text, std::vector<Segment> segments = {}) {
    Blob blob(text, nullptr, {"test.txt"});
    for (const Segment& s : segments) blob.segments().push_back(s);
    std::vector<RuleMatch> out;
    auto r = matcher->scan(blob, *scratch, out);
    EXPECT_TRUE(r);
    return out;
  }
  std::string secret(const std::string& text, const RuleMatch& m) {
    return text.substr(m.secret_start, m.secret_end - m.secret_start);
  }
  std::unique_ptr<Matcher> matcher;
  std::unique_ptr<Matcher::Scratch> scratch;
};

TEST_F(MatcherTest, FindsEveryOccurrenceAndExtractsTheSecretGroup) {
  compile({make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")});
  std::string text =
      "a=AC0123456789abcdef0123456789abcdef\nb=\"AC1a2b3c4d5e6f708192a3b4c5d6e7f809\" "
      "c=AC0123456789abcdef0123456789abcdef0 (too long)";
  auto m = scan(text);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(secret(text, m[0]), "AC0123456789abcdef0123456789abcdef");
  EXPECT_EQ(secret(text, m[1]), "AC1a2b3c4d5e6f708192a3b4c5d6e7f809");
  EXPECT_EQ(m[0].secret_start, 2u);
}

TEST_F(MatcherTest, SecretsAtTheVeryStartAndEndOfTheBuffer) {
  compile({make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")});
  std::string text = "AC0123456789abcdef0123456789abcdef";
  EXPECT_EQ(scan(text).size(), 1u);
  EXPECT_EQ(scan("x " + text).size(), 1u);
}

TEST_F(MatcherTest, PlaceholdersAndLowEntropyAreDropped) {
  Rule r = make_rule("t.sid", "t", R"(\b(AC[0-9a-zA-Z]{32})\b)");
  r.min_entropy = 3.0;
  compile({r});
  EXPECT_TRUE(scan("AC" + std::string(32, 'a')).empty());
  EXPECT_TRUE(scan("ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").empty());
  EXPECT_TRUE(scan("ACEXAMPLE0123456789abcdef012345678").empty());
  EXPECT_TRUE(scan("AC01010101010101010101010101010101").empty());  // entropy 1.06 bits
  EXPECT_EQ(scan("AC0123456789abcdef0123456789abcdef").size(), 1u);
}

TEST_F(MatcherTest, KeywordsMayComeFromTheSegmentLabel) {
  Rule r = make_rule("t.token", "t", R"((?i)(?:token|twilio)[\w.]{0,32}\W{1,8}([0-9a-f]{32})\b)");
  r.keywords = {"twilio"};
  compile({r});
  std::string text = "auth_token = \"0123456789abcdef0123456789abcdef\"\n";
  EXPECT_TRUE(scan(text).empty()) << "no 'twilio' anywhere";
  EXPECT_EQ(scan(text, {{0, "@string/twilio_auth_token"}}).size(), 1u);
}

TEST_F(MatcherTest, GenericRulesYieldToSpecificOnes) {
  compile({make_rule("generic.secret", "generic", R"re((?i)secret\s*=\s*"([^"]{16,})")re"),
           make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")});
  auto m = scan("secret = \"AC0123456789abcdef0123456789abcdef\"\nsecret = \"q8ZfT2mLx9RbV4nKc7\"");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(matcher->rules().rules[m[0].rule_index].id, "t.sid");
  EXPECT_EQ(matcher->rules().rules[m[1].rule_index].id, "generic.secret");
}

TEST_F(MatcherTest, SameSpanKeepsTheMoreConfidentRule) {
  compile({make_rule("a.low", "a", R"(key=([0-9a-f]{32}))", Confidence::kLow),
           make_rule("a.high", "a", R"(\bkey=([0-9a-f]{32}))", Confidence::kHigh)});
  auto m = scan("key=0123456789abcdef0123456789abcdef");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(matcher->rules().rules[m[0].rule_index].id, "a.high");
}

TEST_F(MatcherTest, LongRunsOfMatchingBytesStayBounded) {
  // A megabyte of hex: Vectorscan reports an end at almost every byte; the windows merge, and
  // RE2 yields non-overlapping matches only.
  compile({make_rule("t.hex", "t", R"(([0-9a-f]{40}))")});
  std::string text;
  for (int i = 0; i < (1 << 20); ++i) text += "0123456789abcdef"[(i * 7 + i / 16) % 16];
  auto m = scan(text);
  EXPECT_EQ(m.size(), text.size() / 40);
  for (size_t i = 1; i < m.size(); ++i) EXPECT_GE(m[i].secret_start, m[i - 1].secret_end);
}

// A private cache directory (KEYSWEEP_CACHE_DIR) for one test, removed after it.
class MatcherCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = ::testing::TempDir() + "keysweep-cache-test-" + std::to_string(::getpid()) + "-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir);
    setenv("KEYSWEEP_CACHE_DIR", (dir + "/cache").c_str(), 1);
  }
  void TearDown() override {
    unsetenv("KEYSWEEP_CACHE_DIR");
    std::filesystem::remove_all(dir);
  }
  static RuleSet rules(const std::string& prefix = "AC") {
    RuleSet set;
    set.rules = {make_rule("t.sid", "t", "\\b(" + prefix + "[0-9a-f]{32})\\b")};
    return set;
  }
  std::unique_ptr<Matcher> compile(const RuleSet& set) {
    auto m = Matcher::compile(set);
    EXPECT_TRUE(m) << m.error().to_string();
    return m ? std::move(*m) : nullptr;
  }
  // The one database file in the cache.
  std::string cached_file() {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/cache"))
      files.push_back(e.path().string());
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? "" : files[0];
  }
  static size_t found(const Matcher& m, const std::string& text) {
    auto scratch = m.make_scratch();
    std::vector<RuleMatch> out;
    EXPECT_TRUE(m.scan(Blob(text, nullptr, {"t"}), *scratch, out));
    return out.size();
  }
  static std::string notes(const Matcher& m) {
    std::string all;
    for (const auto& n : m.notes()) all += n + "\n";
    return all;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  const std::string sid = "sid=AC0123456789abcdef0123456789abcdef";
  std::string dir;
};

TEST_F(MatcherCache, SecondCompileLoadsTheCachedDatabase) {
  auto first = compile(rules());
  auto second = compile(rules());
  auto changed = compile(rules("SK"));
  ASSERT_TRUE(first && second && changed);
  EXPECT_EQ(first->database_source(), DatabaseSource::kCompiled);
  EXPECT_EQ(second->database_source(), DatabaseSource::kCache);
  EXPECT_EQ(changed->database_source(), DatabaseSource::kCompiled)
      << "a changed pattern must miss the cache";
  EXPECT_TRUE(first->notes().empty() && second->notes().empty()) << notes(*second);
  EXPECT_EQ(found(*second, sid), 1u);
}

TEST_F(MatcherCache, TheDirectoryIsCreated0700AndTheFile0600WhateverTheUmask) {
  mode_t old = ::umask(0);
  auto m = compile(rules());
  ::umask(old);
  ASSERT_TRUE(m);
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(dir + "/cache").permissions(), fs::perms::owner_all);
  EXPECT_EQ(fs::status(cached_file()).permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(MatcherCache, FlippedBytesAreRecompiledWithANote) {
  ASSERT_TRUE(compile(rules()));
  const std::string path = cached_file();
  std::string bytes = read(path);
  ASSERT_GT(bytes.size(), 4000u);
  // In the checksum's own line, in the key, in the database (Vectorscan's header, its middle, its
  // last byte).
  for (size_t at : {size_t{20}, size_t{100}, size_t{200}, bytes.size() / 2, bytes.size() - 1}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
    write(path, flipped);
    auto m = compile(rules());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled) << "flipped byte " << at;
    EXPECT_NE(notes(*m).find("fails its SHA-256 integrity check"), std::string::npos) << notes(*m);
    EXPECT_EQ(found(*m, sid), 1u);
    EXPECT_EQ(read(path), bytes) << "the recompiled database replaces the damaged one";
  }
  write(path, bytes.substr(0, bytes.size() / 2));  // truncated
  auto m = compile(rules());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  EXPECT_EQ(found(*m, sid), 1u);
}

// Issue 16: a cache file cut short after it was mapped (by hand, or a disk failing on page-in)
// would end the run with SIGBUS when its lost pages were read. Guarded, it is recompiled with a
// note saying why. The seam truncates it between the mapping and the first read.
TEST_F(MatcherCache, AFileThatShrinksWhileLoadedIsRecompiledNotACrash) {
  ASSERT_TRUE(compile(rules()));
  const std::string path = cached_file();
  const std::string bytes = read(path);
  FileFaults faults;
  int cuts = 0;
  faults.after_open = [&](const std::string& p, int) {
    if (p != path) return;
    ++cuts;
    ASSERT_EQ(::truncate(p.c_str(), 0), 0);  // every page of the mapping is lost
  };
  set_file_faults(&faults);
  auto m = compile(rules());
  set_file_faults(nullptr);
  ASSERT_TRUE(m);
  EXPECT_EQ(cuts, 1);
  EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  EXPECT_NE(notes(*m).find("shrank or could not be read while it was loaded"), std::string::npos)
      << notes(*m);
  EXPECT_EQ(found(*m, sid), 1u);
  EXPECT_EQ(read(path), bytes) << "the recompiled database replaces the cut one";
}

// The attack of issue 17: a database compiled from other rules, with a valid checksum of its own,
// renamed over the one this rule set needs. Used as is, the scan would find nothing.
TEST_F(MatcherCache, ADatabaseOfOtherRulesRenamedIntoPlaceIsNotUsed) {
  ASSERT_TRUE(compile(rules()));
  const std::string mine = cached_file();
  std::filesystem::remove(mine);
  ASSERT_TRUE(compile(rules("SK")));
  std::filesystem::rename(cached_file(), mine);
  auto m = compile(rules());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  EXPECT_NE(notes(*m).find("was built for other rules"), std::string::npos) << notes(*m);
  EXPECT_EQ(found(*m, sid), 1u);
}

TEST_F(MatcherCache, AFileOthersCanWriteIsIgnoredWithAWarning) {
  ASSERT_TRUE(compile(rules()));
  const std::string path = cached_file();
  for (auto mode : {std::filesystem::perms::others_write, std::filesystem::perms::group_write}) {
    std::filesystem::permissions(path, mode, std::filesystem::perm_options::add);
    auto m = compile(rules());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
    EXPECT_NE(notes(*m).find("warning: " + path +
                             ": ignoring the cached Vectorscan database: writable by group or "
                             "others"),
              std::string::npos)
        << notes(*m);
    EXPECT_EQ(found(*m, sid), 1u);
    // Replaced by a file of the user's own, which the next run uses.
    auto next = compile(rules());
    ASSERT_TRUE(next);
    EXPECT_EQ(next->database_source(), DatabaseSource::kCache) << notes(*next);
  }
}

TEST_F(MatcherCache, ASymlinkIsNotFollowed) {
  ASSERT_TRUE(compile(rules()));
  const std::string path = cached_file();
  std::filesystem::rename(path, dir + "/elsewhere.bin");
  std::filesystem::create_symlink(dir + "/elsewhere.bin", path);
  auto m = compile(rules());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  EXPECT_NE(notes(*m).find("it is a symbolic link"), std::string::npos) << notes(*m);
}

TEST_F(MatcherCache, AFileOwnedBySomeoneElseIsIgnored) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  ASSERT_TRUE(compile(rules()));
  const std::string path = cached_file();
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto m = compile(rules());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  EXPECT_NE(notes(*m).find("owned by uid 65534, not by uid 0"), std::string::npos) << notes(*m);
  EXPECT_EQ(found(*m, sid), 1u);
}

// Issue 16: the built-in rules need no compile and no cache. Timing-free: where the database came
// from, and that the cache directory was never created.
TEST_F(MatcherCache, TheBuiltInRulesUseTheDatabaseInTheBinaryAndNoCache) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules) << rules.error().to_string();
  auto m = compile(*rules);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->database_source(), DatabaseSource::kBuiltin);
  EXPECT_TRUE(m->notes().empty()) << notes(*m);
  EXPECT_FALSE(std::filesystem::exists(dir + "/cache")) << "nothing cached, nothing read";
  auto scratch = m->make_scratch();
  std::vector<RuleMatch> out;
  ASSERT_TRUE(m->scan(Blob("AWS_ACCESS_KEY_ID=AKIA2E4RTQ5NB7XKW3JM\n", nullptr, {"t.env"}),
                      *scratch, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(m->rules().rules[out[0].rule_index].id, "aws.access_key_id");
}

// The database in the binary is used only for exactly its patterns: a rule added (--rules), a
// pattern changed or the order changed (ids are indices) compile their own.
TEST_F(MatcherCache, AnyOtherRuleSetIsCompiled) {
  auto builtin = load_builtin_rules();
  ASSERT_TRUE(builtin);
  RuleSet added = *builtin;
  added.rules.push_back(rules().rules[0]);
  RuleSet changed = *builtin;
  changed.rules[0].pattern = "(?:" + changed.rules[0].pattern + ")|zz_changed";
  RuleSet reordered = *builtin;
  std::swap(reordered.rules[0], reordered.rules[1]);
  RuleSet same_patterns = *builtin;  // what a --rules file replacing a rule's remediation gives
  same_patterns.rules[0].remediation = "other";
  same_patterns.rules[0].builtin = false;
  for (const RuleSet* set : {&added, &changed, &reordered}) {
    auto m = compile(*set);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->database_source(), DatabaseSource::kCompiled);
  }
  auto again = compile(added);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->database_source(), DatabaseSource::kCache);
  auto scratch = again->make_scratch();
  std::vector<RuleMatch> out;
  ASSERT_TRUE(again->scan(Blob(sid, nullptr, {"t"}), *scratch, out));
  EXPECT_TRUE(std::any_of(out.begin(), out.end(), [&](const RuleMatch& r) {
    return again->rules().rules[r.rule_index].id == "t.sid";
  })) << "the added rule";
  auto same = compile(same_patterns);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->database_source(), DatabaseSource::kBuiltin);
}

// The database in the binary is what compiling today's built-in rules for the baseline target
// gives (Vectorscan's compile is deterministic), held as Vectorscan lays it out in memory: used in
// place, it serializes to the same bytes as a fresh compile, and it scans.
TEST(BuiltinDatabase, IsTheBuiltInRulesCompiledForTheBaselineTarget) {
  const BuiltinDatabase embedded = builtin_database();
  EXPECT_EQ(embedded.target, baseline_target());
  EXPECT_EQ(embedded.target.cpu_features, 0u);
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules);
  PatternSet set(rules->rules);
  EXPECT_EQ(embedded.pattern_digest, set.digest());
  auto db = compile_database(set, baseline_target());
  ASSERT_TRUE(db) << db.error().message;
  auto bytes = db->serialize();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::vector<uint32_t>(embedded.prefiltered.begin(), embedded.prefiltered.end()),
            set.prefiltered());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(embedded.image.data()) % 4096, 0u);
  auto in_place = Database::in_place(embedded.image);
  ASSERT_TRUE(in_place) << in_place.error();
  EXPECT_EQ(in_place->image().data(), embedded.image.data()) << "used where it lies, not copied";
  auto again = in_place->serialize();
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again == *bytes);
  auto loaded = Database::deserialize(*bytes);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->image() == embedded.image) << "the image is what deserializing gives";
}

// An image in_place() cannot vouch for is refused with the reason, so the matcher compiles
// instead: off a page boundary, another Vectorscan's version, a length its header does not give.
TEST(BuiltinDatabase, InPlaceRefusesAnImageItCannotUse) {
  const std::string_view image = builtin_database().image;
  ASSERT_GT(image.size(), 4096u);
  // A page-aligned copy to alter (std::aligned_alloc: the size rounded up to the alignment).
  const size_t rounded = (image.size() + 4095) / 4096 * 4096;
  std::unique_ptr<char, decltype(&std::free)> copy(
      static_cast<char*>(std::aligned_alloc(4096, rounded)), &std::free);
  ASSERT_TRUE(copy);
  std::memcpy(copy.get(), image.data(), image.size());
  ASSERT_TRUE(Database::in_place({copy.get(), image.size()})) << "an unaltered copy is usable";

  auto misaligned = Database::in_place({copy.get() + 64, image.size()});
  ASSERT_FALSE(misaligned);
  EXPECT_NE(misaligned.error().find("page-aligned"), std::string::npos) << misaligned.error();

  auto shorter = Database::in_place({copy.get(), image.size() - 1});
  ASSERT_FALSE(shorter);
  EXPECT_NE(shorter.error().find("header gives"), std::string::npos) << shorter.error();

  copy.get()[4] ^= 0x55;  // the version, after the 4-byte magic
  auto other_version = Database::in_place({copy.get(), image.size()});
  ASSERT_FALSE(other_version);
  EXPECT_EQ(other_version.error(), "built by another Vectorscan");
  copy.get()[4] ^= 0x55;
  copy.get()[0] ^= 0x55;  // the magic
  EXPECT_FALSE(Database::in_place({copy.get(), image.size()}));
}

TEST_F(MatcherTest, BadPatternIsAConfigErrorNamingTheRule) {
  RuleSet set;
  set.rules = {make_rule("t.bad", "t", "(unclosed")};
  auto m = Matcher::compile(std::move(set));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kConfig);
  EXPECT_NE(m.error().message.find("t.bad"), std::string::npos);
}

// Vectorscan accepts this rule; only RE2's group count shows that secret_group 3 does not exist.
Rule rule_with_missing_group(bool builtin) {
  Rule r = make_rule("t.group", "t", R"(\b(AC[0-9a-f]{32})\b)");
  r.secret_group = 3;
  r.builtin = builtin;
  return r;
}

TEST(LazyConfirm, AUserRulesPatternIsCheckedAtCompile) {
  RuleSet set;
  set.rules = {rule_with_missing_group(false)};
  auto m = Matcher::compile(std::move(set));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("rule 't.group': secret_group 3"), std::string::npos)
      << m.error().message;
}

TEST(LazyConfirm, ABuiltinRulesPatternIsCheckedOnItsFirstCandidateOrByRulesCheck) {
  RuleSet set;
  set.rules = {rule_with_missing_group(true)};
  auto all = Matcher::compile(set, PatternCheck::kAll);
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().message.find("t.group"), std::string::npos);

  auto lazy = Matcher::compile(set);
  ASSERT_TRUE(lazy) << lazy.error().to_string();
  auto scratch = (*lazy)->make_scratch();
  std::vector<RuleMatch> out;
  EXPECT_TRUE((*lazy)->scan(Blob("no candidate here", nullptr, {"a"}), *scratch, out));
  auto r = (*lazy)->scan(Blob("sid=AC0123456789abcdef0123456789abcdef", nullptr, {"b"}), *scratch,
                         out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("t.group"), std::string::npos);
}

// The built-in rules are compiled lazily by a scan, so this is where a bad one fails (and in the
// rules_check test, `keysweep rules check`).
TEST(LazyConfirm, EveryBuiltinPatternCompilesWithRe2) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules) << rules.error().to_string();
  ASSERT_GT(rules->rules.size(), 100u);
  for (const Rule& r : rules->rules) EXPECT_TRUE(r.builtin) << r.id;
  auto m = Matcher::compile(std::move(*rules), PatternCheck::kAll);
  EXPECT_TRUE(m) << m.error().to_string();
}

TEST(LazyConfirm, WorkersSharingTheMatcherAllFindEverySecret) {
  RuleSet set;
  std::string text;
  for (int i = 0; i < 16; ++i) {
    std::string tag = "K" + std::string(1, static_cast<char>('a' + i));
    Rule r = make_rule("t.r" + std::to_string(i), "t", "\\b(" + tag + "[0-9a-f]{24})\\b");
    r.builtin = true;
    set.rules.push_back(std::move(r));
    text += "k = " + tag + "0123456789abcdef8c3e5a7" + std::string(1, "0123456789abcdef"[i]) + "\n";
  }
  auto m = Matcher::compile(std::move(set));
  ASSERT_TRUE(m);
  std::vector<size_t> found(8);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < found.size(); ++t)
    workers.emplace_back([&, t] {
      auto scratch = (*m)->make_scratch();
      std::vector<RuleMatch> out;
      if ((*m)->scan(Blob(text, nullptr, {"t"}), *scratch, out)) found[t] = out.size();
    });
  for (auto& w : workers) w.join();
  for (size_t n : found) EXPECT_EQ(n, 16u);
}

TEST(Findings, LineColumnSnippetAndSymbol) {
  RuleSet set;
  set.rules = {make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  std::string text = "first line\n  caf\xC3\xA9 = AC0123456789abcdef0123456789abcdef;\n";
  Blob blob(text, nullptr, {"dir/app.apk", "res/values.txt"});
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  std::vector<Finding> findings;
  build_findings(blob, (*m)->rules(), matches, {}, findings);
  ASSERT_EQ(findings.size(), 1u);
  const Finding& f = findings[0];
  EXPECT_EQ(f.location.line, 2u);
  EXPECT_EQ(f.location.column, 10u);  // code points: "  café = " is 9
  EXPECT_EQ(f.location.display_path(), "dir/app.apk!res/values.txt");
  EXPECT_EQ(f.redacted, "AC01\xE2\x80\xA6" "cdef");
  EXPECT_EQ(f.snippet, "caf\xC3\xA9 = AC01\xE2\x80\xA6" "cdef;");
  EXPECT_TRUE(f.snippet_clear.empty());
  EXPECT_EQ(f.secret_sha256.size(), 64u);
}

TEST(Findings, ASnippetRedactsTheOtherSecretsOnItsLine) {
  RuleSet set;
  set.rules = {make_rule("t.id", "t", R"(\b(AKIA[0-9A-Z]{16})\b)"),
               make_rule("t.key", "t", R"(\b([A-Za-z0-9/+]{40})\b)")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  // An AWS-style pair on one JSON line (fake values): each snippet shows its own secret redacted
  // and must not carry the other one in clear.
  const std::string id = "AKIA2E4RTQ5NB7XKW3JM";
  const std::string key = "q8Vd3kR2mZ7xW1nB5tY9pL4cH6jF0sA3eU8iO2gK";
  std::string text = "{\"id\": \"" + id + "\", \"key\": \"" + key + "\"}\n";
  Blob blob(text, nullptr, {"creds.json"});
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  std::vector<Finding> findings;
  FindingOptions show;
  show.show_secrets = true;
  build_findings(blob, (*m)->rules(), matches, show, findings);
  ASSERT_EQ(findings.size(), 2u);
  for (const Finding& f : findings) {
    EXPECT_EQ(f.snippet.find(id.substr(4, 8)), std::string::npos) << f.snippet;
    EXPECT_EQ(f.snippet.find(key.substr(4, 32)), std::string::npos) << f.snippet;
    // --show-secrets shows the line as it is.
    EXPECT_NE(f.snippet_clear.find(id), std::string::npos);
    EXPECT_NE(f.snippet_clear.find(key), std::string::npos);
  }
  EXPECT_EQ(findings[0].snippet, "{\"id\": \"AKIA\xE2\x80\xA6\", \"key\": \"q8Vd\xE2\x80\xA6O2gK\"}");
}

// Issue 17: a guessable secret's hash is keyed, so that a report cannot be reversed by a
// dictionary; a high-entropy one keeps its plain SHA-256 for fleet lookups. Fake values.
TEST(Findings, GuessableSecretsAreHashedUnderTheKeyOthersStayPlain) {
  RuleSet set;
  set.rules = {make_rule("t.pw", "t", R"(pw=(\S+))"), make_rule("t.key", "t", R"(key=(\S+))")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  const std::string weak = "Winter2022", twelve = "k3Rw9ZqL2xVb";
  const std::string strong = "q8Vd3kR2mZ7xW1nB5tY9pL4cH6jF0sA3eU8iO2gK";
  std::string text = "pw=" + weak + "\npw=" + twelve + "\nkey=" + strong + "\n";
  Blob blob(text, nullptr, {"creds.txt"});
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  auto build = [&](std::string key) {
    FindingOptions o;
    o.secret_hash_key = std::move(key);
    std::vector<Finding> out;
    build_findings(blob, (*m)->rules(), matches, o, out);
    return out;
  };
  std::vector<Finding> a = build("key one"), b = build("key two"), plain = build("");
  ASSERT_EQ(a.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {  // the two guessable ones
    const std::string& secret = i == 0 ? weak : twelve;
    EXPECT_TRUE(a[i].secret_hash_keyed) << secret;
    EXPECT_EQ(a[i].secret_sha256, hmac_sha256_hex("key one", secret));
    EXPECT_NE(a[i].secret_sha256, sha256_hex(secret)) << "a dictionary would reverse it";
    EXPECT_NE(a[i].secret_sha256, b[i].secret_sha256) << "the hash must depend on the key";
    EXPECT_NE(a[i].fingerprint, b[i].fingerprint) << "and so must the fingerprint built on it";
    EXPECT_EQ(a[i].redacted, "\xE2\x80\xA6") << "no preview either";
    EXPECT_FALSE(plain[i].secret_hash_keyed) << "no key given: plain, as the library did";
  }
  EXPECT_FALSE(a[2].secret_hash_keyed);
  EXPECT_EQ(a[2].secret_sha256, sha256_hex(strong));
  EXPECT_EQ(a[2].secret_sha256, b[2].secret_sha256);
}

// A minified file: one 8 MB line holding 200,000 secrets. Columns are counted on from the previous
// finding and snippets look only at nearby secrets, so this is linear; the old per-finding count
// from the line's start (and the scan of every other secret per snippet) was quadratic and would
// not finish within the test's timeout. Columns and redaction stay exact.
TEST(Findings, AMinifiedLineWithManySecretsIsBuiltInLinearTime) {
  RuleSet set;
  set.rules = {make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  const std::string unit = "x=AC0123456789abcdef0123456789abcdef;";  // 37 bytes, secret at 2
  std::string text;
  for (int i = 0; i < 200000; ++i) text += unit;
  Blob blob(text, nullptr, {"min.js"});
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  ASSERT_EQ(matches.size(), 200000u);
  std::vector<Finding> findings;
  build_findings(blob, (*m)->rules(), matches, {}, findings);
  ASSERT_EQ(findings.size(), 200000u);
  EXPECT_EQ(findings[0].location.column, 3u);
  EXPECT_EQ(findings[199999].location.column, 199999u * 37u + 3u);
  // The neighbours inside each snippet are redacted too.
  EXPECT_EQ(findings[5].snippet.find("0123456789abcdef0123"), std::string::npos) << findings[5].snippet;
}

// Structured formats render `KEY = "VALUE"` lines (KEY: the symbol with characters outside
// [A-Za-z0-9_.-] as '_'); a snippet names the symbol as people know it, not as rendered.
TEST(Findings, ARenderedLineShowsItsSymbolAsWritten) {
  RuleSet set;
  set.rules = {make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  const std::string sid = "AC0123456789abcdef0123456789abcdef";
  std::string text = "_string_twilio_sid = \"" + sid + "\"\n" +
                     "com.example.Sender.send__ = \"" + sid + "\"\n" +
                     "_kTwilioSid = \"" + sid + "\"\n" +
                     "not_the_label = \"" + sid + "\"\n";
  Blob blob(text, nullptr, {"a.apk", "resources.arsc", "values"});
  const size_t second = text.find("com.example"), third = text.find("_kTwilio"),
               fourth = text.find("not_the");
  blob.segments().push_back({0, "@string/twilio_sid"});
  blob.segments().push_back({second, "com.example.Sender.send()"});
  blob.segments().push_back({third, "_kTwilioSid [arm64]"});  // a note after the symbol
  blob.segments().push_back({fourth, "@string/other"});       // not what the line renders
  blob.set_meaningful_lines(false);
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  std::vector<Finding> findings;
  FindingOptions show;
  show.show_secrets = true;
  build_findings(blob, (*m)->rules(), matches, show, findings);
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].snippet, "@string/twilio_sid = \"AC01\xE2\x80\xA6" "cdef\"");
  EXPECT_EQ(findings[0].snippet_clear, "@string/twilio_sid = \"" + sid + "\"");
  EXPECT_EQ(findings[1].snippet, "com.example.Sender.send() = \"AC01\xE2\x80\xA6" "cdef\"");
  EXPECT_EQ(findings[2].snippet, "_kTwilioSid = \"AC01\xE2\x80\xA6" "cdef\"");
  EXPECT_EQ(findings[3].snippet, "not_the_label = \"AC01\xE2\x80\xA6" "cdef\"");  // as rendered
}

TEST(Findings, AllowCommentIsReadFromTheSecretsOwnLineOnly) {
  RuleSet set;
  set.rules = {make_rule("t.sid", "t", R"(\b(AC[0-9a-f]{32})\b)")};
  auto m = Matcher::compile(set);
  ASSERT_TRUE(m);
  auto scratch = (*m)->make_scratch();
  // The comment far to the right of a long line still counts; the one on the next line does not.
  std::string text = "a = AC0123456789abcdef0123456789abcdef;" + std::string(300, ' ') +
                     "// keysweep:allow t.sid (test account)\n"
                     "b = AC0123456789abcdef0123456789abcde0;\n# keysweep:allow\n";
  Blob blob(text, nullptr, {"a.js"});
  std::vector<RuleMatch> matches;
  ASSERT_TRUE((*m)->scan(blob, *scratch, matches));
  std::vector<Finding> findings;
  build_findings(blob, (*m)->rules(), matches, {}, findings);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].allow_comment, "keysweep:allow t.sid (test account)");
  EXPECT_EQ(findings[1].allow_comment, "");
}

TEST(Validators, GithubChecksum) {
  // Built with tests/fixtures/fake_credentials.py: 30 random base62 + CRC32 in base62.
  EXPECT_TRUE(github_token_checksum_ok("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"));
  EXPECT_FALSE(github_token_checksum_ok("ghp_rNG1nBoSnAv8LAMuBXGOz9YaPoyfVV0seryY"));
  EXPECT_FALSE(github_token_checksum_ok("ghp_short"));
}

TEST(Validators, Jwt) {
  EXPECT_TRUE(jwt_structure_ok("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln"));
  EXPECT_FALSE(jwt_structure_ok("eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxIn0.c2ln"));
}

TEST(Validators, Placeholders) {
  EXPECT_TRUE(looks_like_placeholder("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_TRUE(looks_like_placeholder("${TWILIO_TOKEN}"));
  EXPECT_TRUE(looks_like_placeholder("your_api_key_here"));
  EXPECT_TRUE(looks_like_placeholder("AKIAXXXXXXXXXXXXXXXX"));
  // The same letters in mixed case inside a random key are chance, not a placeholder.
  EXPECT_FALSE(looks_like_placeholder("CSiB4KB8NasY7aIu6oOsIxXXxh0kOZEYp59widEs"));
  EXPECT_TRUE(looks_like_placeholder("AC" + std::string(32, '0')));
  EXPECT_TRUE(looks_like_placeholder("0123456789abcdef"));  // a sequence, not a key
  EXPECT_FALSE(looks_like_placeholder("AKIA2E4RTQ5NB7XKW3JM"));
}

TEST(Validators, NatsNkeyChecksum) {
  // Seeds with valid CRC-16/XMODEM (rules/nats.toml's examples), and the same with one character
  // changed, which the checksum catches.
  EXPECT_TRUE(nkey_checksum_ok("SUADYHPZ4RSPGOH7K7CRNHAEBM2E2OB5LGVHZS4ZXPMAS4S5NGS4C54KKY"));
  EXPECT_TRUE(nkey_checksum_ok("SOAAZYVU72OXGL6OMIW2VKMNIRKH6A2SONEPJF5UMRKCURH37DNJG6Q2JI"));
  EXPECT_FALSE(nkey_checksum_ok("SUADYHPZ4RSPGOH7K7CRNHAEBM2E2OB5LGVHZS4ZXPMAS4S5NGS4C54KKB"));
  EXPECT_FALSE(nkey_checksum_ok("SUADYHPZ4RSPGOH7K7CRNHAEBM2E2OB5LGVHZS4ZXPMAS4S5NGS4C55KKY"));
  EXPECT_FALSE(nkey_checksum_ok("SU1!"));
  EXPECT_FALSE(nkey_checksum_ok(""));
}

TEST(Validators, PublicSamplesAreNotLeaks) {
  // Microsoft publishes the Azurite / Storage Emulator key (devstoreaccount1); it opens only a
  // local emulator.
  const std::string azurite =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  EXPECT_TRUE(is_public_sample(azurite));
  std::string other = azurite;
  other[10] = 'Q';
  EXPECT_FALSE(is_public_sample(other));
  // jwt.io's John Doe payload under any signature; another payload is not a sample.
  EXPECT_TRUE(is_public_sample(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "q7Vx2mLk9RtB4nWc8ZpYd3FhJs6GuAe1KoXiTb5NlEw"));
  EXPECT_FALSE(is_public_sample("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI5OTEifQ.q7Vx2mLk9RtB4nWc8ZpYd3FhJs6G"));
  Rule rule;
  rule.id = "azure.storage_key";
  EXPECT_EQ(reject_reason(rule, azurite, azurite, ""), "public sample");
}

// Issue 16.5: the generic rules go to Vectorscan split at their keywords (match/keyword_split.h).
// The matcher must find what it finds with their whole patterns, which an empty group in front
// keeps whole: over every rule's examples, and over a blob with more keyword ends than the matcher
// holds before it passes the oldest on.
TEST(MatcherKeywordSplit, SameMatchesAsTheWholePatterns) {
  setenv("KEYSWEEP_CACHE_DIR", "", 1);
  auto builtin = load_builtin_rules();
  ASSERT_TRUE(builtin) << builtin.error().to_string();
  RuleSet whole = *builtin;
  size_t kept_whole = 0;
  for (Rule& r : whole.rules)
    if (split_keyword_pattern(r.pattern)) {
      r.pattern = "(?i)(?:)" + r.pattern.substr(4);
      EXPECT_FALSE(split_keyword_pattern(r.pattern));
      ++kept_whole;
    }
  ASSERT_GE(kept_whole, 2u);
  auto split = Matcher::compile(*builtin);
  auto unsplit = Matcher::compile(whole);
  unsetenv("KEYSWEEP_CACHE_DIR");
  ASSERT_TRUE(split && unsplit);
  std::string examples;
  for (const Rule& r : builtin->rules) {
    for (const auto& e : r.positive_examples) examples += e + "\n";
    for (const auto& e : r.negative_examples) examples += e + "\n";
  }
  std::string many;  // ~80,000 keyword ends (the matcher holds 65,536), windows of both context rules
  for (int i = 0; i < 40000; ++i)
    many += "api_key = 'k" + std::to_string(i * 7919) + "Zq' db_password: \"Pw" + std::to_string(i) + "x!\"\n";
  auto matches = [](const Matcher& m, const std::string& text) {
    auto scratch = m.make_scratch();
    std::vector<RuleMatch> out;
    EXPECT_TRUE(m.scan(Blob(text, nullptr, {"config/app.yml"}), *scratch, out));
    std::vector<std::tuple<uint32_t, uint64_t, uint64_t, uint64_t, uint64_t, int, std::array<int8_t, 6>>> rows;
    for (const RuleMatch& x : out)
      rows.emplace_back(x.rule_index, x.match_start, x.match_end, x.secret_start, x.secret_end, x.confidence, x.signals);
    return rows;
  };
  for (const std::string* text : {&examples, &many}) {
    const auto a = matches(**split, *text), b = matches(**unsplit, *text);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b);
  }
}

// Text a translator wrote (Blob::translated) is no place for a credential that a context rule
// would score: "Wachtwoordwijziging" under framework-res.apk's @string/PwdMmi is Dutch for "change
// password". A key in its provider's own format is still found there.
TEST(Matcher, ContextRulesLeaveTranslatedTextAlonePatternRulesDoNot) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules);
  auto m = Matcher::compile(*rules);
  ASSERT_TRUE(m);
  const std::string text =
      "_string_db_password = \"Wachtwoordwijziging\"\n"
      "_string_upload_key = \"AKIA2E4RTQ5NB7XKW3JM\"\n";
  auto rule_ids = [&](bool translated) {
    Blob blob(text, nullptr, {"a.apk", "resources.arsc", translated ? "translations" : "values"});
    blob.set_meaningful_lines(false);
    blob.set_translated(translated);
    auto scratch = (*m)->make_scratch();
    std::vector<RuleMatch> out;
    EXPECT_TRUE((*m)->scan(blob, *scratch, out));
    std::set<std::string> ids;
    for (const RuleMatch& x : out) ids.insert((*m)->rules().rules[x.rule_index].id);
    return ids;
  };
  EXPECT_EQ(rule_ids(false), (std::set<std::string>{"aws.access_key_id", "generic.password"}));
  EXPECT_EQ(rule_ids(true), (std::set<std::string>{"aws.access_key_id"}));
}

// The region read around a credential word reaches the lines after it when the word's line opens
// a value there (a YAML block scalar, an XML element's text): the value two lines down is found,
// at its own offset.
TEST(Matcher, ContextRulesReadAValueOnTheLinesAfterItsName) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules);
  auto m = Matcher::compile(*rules);
  ASSERT_TRUE(m);
  const std::string secret = "q8Vd3kR2mZ7xW1nB5tY9pL4cH6jF0sA3";
  for (const std::string& text :
       {"service:\n  api_token: |\n    " + secret + "\n  region: eu\n",
        "<config>\n  <apiToken>\n    " + secret + "\n  </apiToken>\n</config>\n"}) {
    Blob blob(text, nullptr, {text[0] == '<' ? "app.xml" : "values.yaml"});
    auto scratch = (*m)->make_scratch();
    std::vector<RuleMatch> out;
    ASSERT_TRUE((*m)->scan(blob, *scratch, out));
    ASSERT_EQ(out.size(), 1u) << text;
    EXPECT_EQ((*m)->rules().rules[out[0].rule_index].id, "generic.secret");
    EXPECT_EQ(text.substr(out[0].secret_start, out[0].secret_end - out[0].secret_start), secret);
  }
}

// A CSV's header names the values of the rows below it, with no credential word near them for the
// prefilter: its credential columns are read whole. The key pair in the same row is still its
// provider's finding, not a generic one as well.
TEST(Matcher, ContextRulesReadTheCredentialColumnsOfACsv) {
  auto rules = load_builtin_rules();
  ASSERT_TRUE(rules);
  auto m = Matcher::compile(*rules);
  ASSERT_TRUE(m);
  const std::string text =
      "User name,Password,Access key ID,Secret access key\n"
      "deploy,Xk9#mP2$vLq7,AKIAQWB5PDKHX6PYGPAN,0JxXujr4qqaaABvvLOzAxzXMcU1vsHiQMaRiNTN9\n";
  auto ids_of = [&](std::string_view path, bool mid_text = false) {
    Blob blob(text, nullptr, {std::string(path)});
    blob.set_starts_mid_text(mid_text);
    auto scratch = (*m)->make_scratch();
    std::vector<RuleMatch> out;
    EXPECT_TRUE((*m)->scan(blob, *scratch, out));
    std::multiset<std::string> ids;
    for (const RuleMatch& x : out) {
      const std::string& id = (*m)->rules().rules[x.rule_index].id;
      ids.insert(id);
      if (id == "generic.password") {
        EXPECT_EQ(text.substr(x.secret_start, x.secret_end - x.secret_start), "Xk9#mP2$vLq7");
      }
    }
    return ids;
  };
  const std::multiset<std::string> csv = ids_of("iam/credentials.csv");
  EXPECT_EQ(csv.count("generic.password"), 1u);
  EXPECT_EQ(csv.count("generic.secret"), 0u);
  EXPECT_GE(csv.count("aws.access_key_id") + csv.count("aws.secret_access_key_after_id"), 1u);
  EXPECT_EQ(ids_of("iam/credentials.txt").count("generic.password"), 0u)
      << "not a table by its name";
  // A window of a large CSV after the first starts on a row, not on the header.
  EXPECT_EQ(ids_of("iam/credentials.csv", true).count("generic.password"), 0u);
}

}  // namespace
}  // namespace keysweep
