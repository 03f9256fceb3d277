#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "core/secret.h"
#include "suppress/allow_comment.h"
#include "suppress/baseline.h"
#include "suppress/gitleaks_ignore.h"
#include "suppress/ignore_list.h"
#include "suppress/project_config.h"
#include "suppress/setup.h"
#include "suppress/suppressor.h"

namespace keysweep::suppress {
namespace {

namespace fs = std::filesystem;

Finding finding(std::string rule, std::string path, std::string secret, uint32_t line = 1) {
  Finding f;
  f.rule_id = std::move(rule);
  f.secret = std::move(secret);
  f.secret_sha256 = sha256_hex(f.secret);
  f.location.chain = {std::move(path)};
  f.location.line = line;
  f.location.offset = line * 40;
  f.fingerprint = finding_fingerprint(f.rule_id, f.secret_sha256, f.location.display_path(), "");
  return f;
}

Finding pair_of(Finding id, Finding secret) {
  id.pair_role = "id";
  secret.pair_role = "secret";
  Finding p = secret;
  p.rule_id = "twilio.account";
  p.secret_sha256 = sha256_hex(id.secret_sha256 + secret.secret_sha256);
  p.parts = {id, secret};
  return p;
}

RuleSet test_rules() {
  RuleSet rs;
  auto add = [&](std::string id, std::string pair = "") {
    Rule r;
    r.id = std::move(id);
    r.pair = std::move(pair);
    rs.rules.push_back(r);
  };
  add("twilio.account_sid", "twilio.account");
  add("twilio.auth_token", "twilio.account");
  add("aws.access_key_id");
  add("generic.password");
  add("generic.api_key");
  return rs;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/keysweep-suppress-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& rel, const std::string& text = "x") const {
    fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --- ignore files -------------------------------------------------------------------------------

IgnoreList ignore(std::string_view text) {
  auto l = IgnoreList::parse(text, ".keysweepignore");
  EXPECT_TRUE(l.has_value());
  return l.value_or(IgnoreList{});
}

TEST(GitleaksIgnore, ReadsBothFingerprintFormsAndSkipsOtherLines) {
  auto list = GitleaksIgnore::parse(
      "# comment\n"
      "config/app.py:generic-api-key:12\r\n"
      "0123456789abcdef0123456789abcdef01234567:src/a:b.js:aws-access-token:3\n"
      "no line number:x\n"
      "file.py:rule:0\n"
      "\n");
  ASSERT_EQ(list.entries().size(), 2u);
  EXPECT_EQ(list.entries()[0].path, "config/app.py");
  EXPECT_EQ(list.entries()[0].rule, "generic-api-key");
  EXPECT_EQ(list.entries()[0].line, 12u);
  EXPECT_TRUE(list.entries()[0].commit.empty());
  EXPECT_EQ(list.entries()[1].commit, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(list.entries()[1].path, "src/a:b.js");  // a ':' in a file name stays in the path
}

TEST(GitleaksIgnore, MatchesFileLineAndCommit) {
  auto list = GitleaksIgnore::parse("app.py:generic-api-key:2\nabc1234:old.py:x:5\n");
  RelativePaths paths(".");
  EXPECT_NE(list.match(finding("generic.api_key", "app.py", "s3cr3t-value-1", 2), paths), nullptr);
  EXPECT_EQ(list.match(finding("generic.api_key", "app.py", "s3cr3t-value-1", 3), paths), nullptr);
  Finding old = finding("aws.access_key_id", "old.py", "s3cr3t-value-2", 5);
  EXPECT_EQ(list.match(old, paths), nullptr);  // the entry names a commit; this one has none
  old.location.git.commit = "abc1234f00d";
  EXPECT_NE(list.match(old, paths), nullptr);
  old.location.git.commit = "def5678f00d";
  EXPECT_EQ(list.match(old, paths), nullptr);
}

TEST(IgnoreList, PatternWithoutSlashMatchesAtAnyDepth) {
  auto l = ignore("# fixtures\n\n*.env\nsecrets.txt\n");
  EXPECT_TRUE(l.ignored("deploy/.env"));
  EXPECT_TRUE(l.ignored("a/b/c/prod.env"));
  EXPECT_TRUE(l.ignored("secrets.txt"));
  EXPECT_TRUE(l.ignored("x/secrets.txt"));
  EXPECT_FALSE(l.ignored("deploy/env.txt"));
}

TEST(IgnoreList, SlashAnchorsAtTheBaseDirectory) {
  auto l = ignore("/config.js\ntests/fixtures\n");
  EXPECT_TRUE(l.ignored("config.js"));
  EXPECT_FALSE(l.ignored("src/config.js"));
  EXPECT_TRUE(l.ignored("tests/fixtures/keys.txt"));  // a directory hides what is under it
  EXPECT_FALSE(l.ignored("src/tests/fixtures/keys.txt"));
}

TEST(IgnoreList, DoubleStarSpansDirectories) {
  auto l = ignore("docs/**/*.md\n**/testdata/**\n");
  EXPECT_TRUE(l.ignored("docs/a.md"));
  EXPECT_TRUE(l.ignored("docs/x/y/a.md"));
  EXPECT_FALSE(l.ignored("docs/a.txt"));
  EXPECT_TRUE(l.ignored("pkg/z/testdata/key.pem"));
}

TEST(IgnoreList, TrailingSlashMatchesDirectoriesOnly) {
  auto l = ignore("build/\n");
  EXPECT_TRUE(l.ignored("build/out.js"));
  EXPECT_TRUE(l.ignored("app/build/out.js"));
  EXPECT_FALSE(l.ignored("build"));  // a file called build
}

TEST(IgnoreList, NegationReincludesButNotUnderAnIgnoredDirectory) {
  auto l = ignore("*.txt\n!keep.txt\nvendor/\n!vendor/x.txt\n");
  EXPECT_TRUE(l.ignored("a.txt"));
  EXPECT_FALSE(l.ignored("keep.txt"));
  EXPECT_TRUE(l.ignored("vendor/x.txt"));  // as in git: the directory is gone
}

TEST(IgnoreList, PathsOutsideTheBaseAreNeverIgnored) {
  auto l = ignore("*\n");
  EXPECT_FALSE(l.ignored("../other/a.txt"));
  EXPECT_TRUE(l.ignored("a.txt"));
}

TEST(IgnoreList, EmptyPatternIsAnErrorNamingTheLine) {
  auto l = IgnoreList::parse("ok\n/\n", "repo/.keysweepignore");
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().path, "repo/.keysweepignore:2");
}

// --- allow comments -----------------------------------------------------------------------------

TEST(AllowComment, BareMarkerAllowsEveryRule) {
  auto d = parse_allow_comment("keysweep:allow");
  EXPECT_TRUE(d.present);
  EXPECT_TRUE(d.rules.empty());
  d = parse_allow_comment("keysweep:allow test account, rotated 2024 */");
  EXPECT_TRUE(d.present);
  EXPECT_TRUE(d.rules.empty());  // free text is a reason, not rule ids
}

TEST(AllowComment, RuleIdsAndGlobsEndAtTheFirstOtherWord) {
  auto d = parse_allow_comment("keysweep:allow twilio.auth_token, aws.* -- fixture");
  EXPECT_EQ(d.rules, (std::vector<std::string>{"twilio.auth_token", "aws.*"}));
  d = parse_allow_comment("keysweep:allow generic.password-->");
  EXPECT_EQ(d.rules, (std::vector<std::string>{"generic.password"}));
  d = parse_allow_comment("keysweep:allow generic.password */");
  EXPECT_EQ(d.rules, (std::vector<std::string>{"generic.password"}));
}

TEST(AllowComment, OtherWordsStartingWithTheMarkerAreNotIt) {
  EXPECT_FALSE(parse_allow_comment("keysweep:allowed").present);
  EXPECT_FALSE(parse_allow_comment("keysweep:allow-next-line").present);
  EXPECT_FALSE(parse_allow_comment("").present);
}

TEST(AllowComment, AppliesToTheNamedRuleOnly) {
  Finding f = finding("aws.access_key_id", "a.env", "AKIAQWERTYUIOPASDFGH");
  f.allow_comment = "keysweep:allow twilio.*";
  EXPECT_FALSE(allowed_by_comment(f));
  f.allow_comment = "keysweep:allow aws.access_key_id";
  EXPECT_TRUE(allowed_by_comment(f));
  f.allow_comment = "# keysweep:allow";  // the marker must start the text the builder keeps
  EXPECT_FALSE(allowed_by_comment(f));
}

TEST(AllowComment, OnePartsLineAllowsThePair) {
  Finding id = finding("twilio.account_sid", "C.java", "AC0123", 1);
  Finding token = finding("twilio.auth_token", "C.java", "f00d", 2);
  token.allow_comment = "keysweep:allow";
  EXPECT_TRUE(allowed_by_comment(pair_of(id, token)));
  token.allow_comment = "keysweep:allow twilio.account";  // the pair's id
  EXPECT_TRUE(allowed_by_comment(pair_of(id, token)));
  token.allow_comment = "keysweep:allow aws.*";
  EXPECT_FALSE(allowed_by_comment(pair_of(id, token)));
}

// --- baselines ----------------------------------------------------------------------------------

TEST(Baseline, RoundTripKeepsEveryEntryAndNoSecret) {
  RelativePaths paths("/repo");
  Finding a = finding("aws.access_key_id", "/repo/deploy/.env", "AKIAQWERTYUIOPASDFGH");
  Finding p = pair_of(finding("twilio.account_sid", "/repo/C.java", "AC0123456789", 1),
                      finding("twilio.auth_token", "/repo/C.java", "0123456789abcdef", 2));
  Baseline b = Baseline::from_findings({a, p}, paths);
  ASSERT_EQ(b.entries().size(), 4u);  // a, the pair and its two parts
  std::string text = b.to_json("9.9");
  EXPECT_EQ(text.find("AKIAQWERTYUIOPASDFGH"), std::string::npos);
  EXPECT_EQ(text.find("0123456789abcdef\""), std::string::npos);
  EXPECT_NE(text.find("\"path\": \"deploy/.env\""), std::string::npos);
  EXPECT_NE(text.find("\"part_of\": \"twilio.account\""), std::string::npos);
  auto again = Baseline::parse(text, "b.json");
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_EQ(again->to_json("9.9"), text);
  EXPECT_TRUE(again->covers(a, paths));
  EXPECT_TRUE(again->covers(p, paths));
  EXPECT_FALSE(again->covers(finding("aws.access_key_id", "/repo/deploy/.env", "AKIAOTHERKEY0000000"),
                             paths));
}

TEST(Baseline, AFindingMovedDownTwoLinesIsStillKnown) {
  RelativePaths paths("/repo");
  Baseline b = Baseline::from_findings({finding("aws.access_key_id", "/repo/a.env", "AKIA1", 3)}, paths);
  Finding moved = finding("aws.access_key_id", "/repo/a.env", "AKIA1", 5);
  EXPECT_TRUE(b.covers(moved, paths));
  EXPECT_FALSE(b.covers(finding("aws.access_key_id", "/repo/b.env", "AKIA1", 3), paths));
}

TEST(Baseline, MatchesHoweverThePathWasSpelled) {
  TempDir dir;
  std::string file = dir.file("src/a.env");
  RelativePaths at_root(dir.path());
  Baseline b = Baseline::from_findings({finding("aws.access_key_id", file, "AKIA1")}, at_root);
  EXPECT_EQ(b.entries()[0].path, "src/a.env");
  // The same file named through "./", "..", or from another working directory.
  RelativePaths again(dir.path() + "/src/..");
  EXPECT_TRUE(b.covers(finding("aws.access_key_id", dir.path() + "/./src/../src/a.env", "AKIA1"), again));
}

TEST(Baseline, PairOfTwoKnownHalvesIsKnown) {
  RelativePaths paths("/repo");
  Finding id = finding("twilio.account_sid", "/repo/C.java", "AC0123", 1);
  Finding token = finding("twilio.auth_token", "/repo/C.java", "f00d", 2);
  Baseline b = Baseline::from_findings({id, token}, paths);
  EXPECT_TRUE(b.covers(pair_of(id, token), paths));
  Baseline only_id = Baseline::from_findings({id}, paths);
  EXPECT_FALSE(only_id.covers(pair_of(id, token), paths));
}

TEST(Baseline, RejectsOtherVersionsAndBrokenFiles) {
  auto v2 = Baseline::parse(R"({"keysweep_baseline": 2, "findings": []})", "b.json");
  ASSERT_FALSE(v2);
  EXPECT_NE(v2.error().message.find("version 2"), std::string::npos);
  EXPECT_EQ(v2.error().path, "b.json");
  EXPECT_FALSE(Baseline::parse("{not json", "b.json"));
  EXPECT_FALSE(Baseline::parse(R"({"findings": []})", "b.json"));
  auto bad = Baseline::parse(R"({"keysweep_baseline": 1, "findings": [{"fingerprint": "xyz"}]})",
                             "b.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("findings[0]"), std::string::npos);
}

// --- keysweep.toml ------------------------------------------------------------------------------

TEST(ProjectConfig, ReadsEverySetting) {
  auto c = parse_project_config(R"(
[rules]
disable = ["generic.*"]
paths = ["ci/rules"]
[scan]
exclude = ["node_modules"]
max_file_size = "10MiB"
[allowlist]
secret_sha256 = ["ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"]
secret_regex = ["^sk_test_"]
paths = ["tests/fixtures/**"]
)",
                                "repo/keysweep.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->dir, "repo");
  EXPECT_EQ(c->disable_rules, (std::vector<std::string>{"generic.*"}));
  EXPECT_EQ(c->rule_paths, (std::vector<std::string>{"repo/ci/rules"}));
  EXPECT_EQ(c->excludes, (std::vector<std::string>{"node_modules"}));
  EXPECT_EQ(c->max_file_size, "10MiB");
  EXPECT_EQ(c->allow_sha256[0], "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(c->allow_regexes[0], "^sk_test_");
  EXPECT_EQ(c->allow_paths[0], "tests/fixtures/**");
}

TEST(ProjectConfig, UnknownKeysAreErrorsNamingFileAndKey) {
  auto c = parse_project_config("[scan]\nexcludes = [\"x\"]\n", "repo/keysweep.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().path, "repo/keysweep.toml");
  EXPECT_NE(c.error().message.find("'scan.excludes'"), std::string::npos);
  auto t = parse_project_config("[allowlists]\npaths = []\n", "keysweep.toml");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("'allowlists'"), std::string::npos);
}

TEST(ProjectConfig, WrongTypesAndValuesAreErrors) {
  EXPECT_FALSE(parse_project_config("[rules]\ndisable = \"generic.*\"\n", "k.toml"));
  EXPECT_FALSE(parse_project_config("[allowlist]\nsecret_sha256 = [\"abc\"]\n", "k.toml"));
  EXPECT_FALSE(parse_project_config("rules = 3\n", "k.toml"));
  auto syntax = parse_project_config("[rules\n", "k.toml");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("line 1"), std::string::npos);
}

TEST(ProjectConfig, FoundAtTheRepositoryRootAboveTheScannedPath) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/.git");
  dir.file("keysweep.toml", "");
  std::string file = dir.file("src/app/a.js");
  EXPECT_EQ(fs::canonical(find_project_file({file}, kConfigFileName)),
            fs::canonical(dir.path() + "/keysweep.toml"));
  EXPECT_EQ(find_project_file({dir.path()}, kConfigFileName), dir.path() + "/keysweep.toml");
  EXPECT_EQ(find_project_file({dir.path()}, kIgnoreFileName), "");
}

TEST(ProjectConfig, OutsideARepositoryOnlyTheScannedDirectoryIsLookedAt) {
  TempDir dir;
  dir.file("keysweep.toml", "");
  std::string sub = dir.path() + "/sub";
  dir.file("sub/a.js");
  EXPECT_EQ(find_project_file({sub}, kConfigFileName), "");
}

// --- the stage as a whole -----------------------------------------------------------------------

TEST(Suppressor, CountsEachFindingUnderTheFirstMechanismThatHidesIt) {
  TempDir dir;
  SuppressionSettings s;
  s.disabled_rules = {"generic.*"};
  s.ignore_files.push_back(
      {IgnoreList::parse("vendor/\n", "i").value(), dir.path(), dir.path() + "/.keysweepignore"});
  s.allow_regexes = {"^sk_test_"};
  s.config_path = dir.path() + "/keysweep.toml";
  std::string repo = dir.path() + "/";
  Finding commented = finding("aws.access_key_id", repo + "a.env", "AKIA2");
  commented.allow_comment = "keysweep:allow";
  Finding known = finding("aws.access_key_id", repo + "b.env", "AKIA3");
  RelativePaths rel(dir.path());
  s.baseline = Baseline::from_findings({known}, rel);
  s.baseline_dir = dir.path();
  s.baseline_path = dir.path() + "/keysweep-baseline.json";
  auto sup = Suppressor::create(std::move(s), test_rules());
  ASSERT_TRUE(sup) << sup.error().to_string();

  Finding disabled_in_vendor = finding("generic.password", repo + "vendor/x", "hunter2hunter2");
  std::vector<Finding> found = {
      disabled_in_vendor,
      finding("aws.access_key_id", repo + "vendor/y", "AKIA1"),
      finding("generic.api_key", repo + "c.txt", "sk_test_123"),  // disabled before allowlisted
      finding("stripe.secret_key", repo + "c.txt", "sk_test_456"),
      commented,
      known,
      finding("aws.access_key_id", repo + "new.env", "AKIA4"),
  };
  std::map<std::string, uint64_t> counts;
  std::vector<SuppressedFinding> hidden;
  sup->apply(found, counts, &hidden);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].secret, "AKIA4");
  EXPECT_EQ(counts, (std::map<std::string, uint64_t>{{"rule-disabled", 2},
                                                     {"ignore-file", 1},
                                                     {"allowlist", 1},
                                                     {"allow-comment", 1},
                                                     {"baseline", 1}}));
  // The hidden findings, with why and on whose authority; a disabled rule's are not listed.
  std::vector<std::tuple<std::string, std::string, std::string>> why;
  for (const auto& h : hidden) why.emplace_back(h.finding.secret, h.why.mechanism, h.why.source);
  EXPECT_EQ(why, (std::vector<std::tuple<std::string, std::string, std::string>>{
                     {"AKIA1", "ignore-file", repo + ".keysweepignore"},
                     {"sk_test_456", "allowlist", repo + "keysweep.toml"},
                     {"AKIA2", "allow-comment", repo + "a.env"},
                     {"AKIA3", "baseline", repo + "keysweep-baseline.json"}}));
  ASSERT_EQ(hidden.size(), 4u);
  EXPECT_TRUE(hidden[2].why.in_source());
  EXPECT_FALSE(hidden[3].why.in_source());
  EXPECT_NE(hidden[2].why.justification.find("keysweep:allow"), std::string::npos);
  EXPECT_NE(hidden[3].why.justification.find("keysweep-baseline.json"), std::string::npos);
}

// The path the CLI and libkeysweep share: discovery, the config's allowlist, ignore files, baseline.
TEST(SetupSuppression, FindsTheProjectFilesAndReadsEveryMechanism) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/.git");
  dir.file("keysweep.toml", "[rules]\ndisable = [\"generic.*\"]\npaths = [\"ci/rules\"]\n"
                            "[allowlist]\nsecret_regex = [\"^sk_test_\"]\n");
  dir.file(".keysweepignore", "vendor/\n");
  dir.file("src/a.js");
  SuppressionRequest r;
  r.scan_paths = {dir.path() + "/src"};
  auto setup = setup_suppression(r);
  ASSERT_TRUE(setup) << setup.error().to_string();
  ASSERT_TRUE(setup->config);
  EXPECT_EQ(setup->config->rule_paths, std::vector<std::string>{dir.path() + "/ci/rules"});
  EXPECT_EQ(setup->settings.disabled_rules, std::vector<std::string>{"generic.*"});
  EXPECT_EQ(setup->settings.allow_regexes, std::vector<std::string>{"^sk_test_"});
  EXPECT_EQ(setup->settings.config_path, dir.path() + "/keysweep.toml");
  ASSERT_EQ(setup->settings.ignore_files.size(), 1u);
  EXPECT_EQ(setup->settings.ignore_files[0].source, dir.path() + "/.keysweepignore");

  r.discover = false;
  r.baseline = dir.path() + "/missing-baseline.json";
  auto missing = setup_suppression(r);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("missing-baseline.json"), std::string::npos);
  r.baseline.clear();
  auto bare = setup_suppression(r);
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->config);
  EXPECT_TRUE(bare->settings.ignore_files.empty());
}

TEST(Suppressor, EveryMechanismHasACountEvenWhenNothingIsHidden) {
  auto sup = Suppressor::create({}, test_rules());
  ASSERT_TRUE(sup);
  std::vector<Finding> found = {finding("aws.access_key_id", "a", "AKIA1")};
  std::map<std::string, uint64_t> counts;
  sup->apply(found, counts);
  EXPECT_EQ(found.size(), 1u);
  EXPECT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts["baseline"], 0u);
}

TEST(Suppressor, DisablingOneHalfKeepsThePair) {
  SuppressionSettings s;
  s.disabled_rules = {"twilio.account_sid"};
  auto sup = Suppressor::create(std::move(s), test_rules());
  ASSERT_TRUE(sup);
  Finding id = finding("twilio.account_sid", "C.java", "AC0123", 1);
  Finding token = finding("twilio.auth_token", "C.java", "f00d", 2);
  EXPECT_EQ(sup->reason(pair_of(id, token)), nullptr);
  EXPECT_STREQ(sup->reason(id), kRuleDisabled);
  SuppressionSettings by_pair;
  by_pair.disabled_rules = {"twilio.account"};
  auto sup2 = Suppressor::create(std::move(by_pair), test_rules());
  ASSERT_TRUE(sup2);
  EXPECT_STREQ(sup2->reason(pair_of(id, token)), kRuleDisabled);
}

TEST(Suppressor, AnAllowlistedPartHidesItsPair) {
  SuppressionSettings s;
  s.allow_sha256 = {sha256_hex("f00d")};
  auto sup = Suppressor::create(std::move(s), test_rules());
  ASSERT_TRUE(sup);
  Finding id = finding("twilio.account_sid", "C.java", "AC0123", 1);
  Finding token = finding("twilio.auth_token", "C.java", "f00d", 2);
  EXPECT_STREQ(sup->reason(pair_of(id, token)), kAllowlist);
  EXPECT_EQ(sup->reason(id), nullptr);
}

TEST(Suppressor, TyposAndBadRegexesAreErrors) {
  SuppressionSettings typo;
  typo.disabled_rules = {"twilio.acount_sid"};
  auto a = Suppressor::create(std::move(typo), test_rules());
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("twilio.acount_sid"), std::string::npos);
  SuppressionSettings re;
  re.allow_regexes = {"(unclosed"};
  EXPECT_FALSE(Suppressor::create(std::move(re), test_rules()));
}

}  // namespace
}  // namespace keysweep::suppress
