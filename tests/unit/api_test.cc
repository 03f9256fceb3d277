#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "keysweep/scan.h"
#include "suppress/baseline.h"

namespace keysweep {
namespace {

TEST(PublicApi, ScanBufferReportsFindingsWithRedaction) {
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  EXPECT_GE(scanner->rule_count(), 7u);
  std::vector<Finding> found;
  auto totals = scanner->scan_buffer("aws_access_key_id = AKIA2E4RTQ5NB7XKW3JM\n", "creds.ini",
                                     [&](const Finding& f) { found.push_back(f); });
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->findings, 1u);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, "aws.access_key_id");
  EXPECT_EQ(found[0].location.display_path(), "creds.ini");
  EXPECT_EQ(found[0].location.line, 1u);
  EXPECT_EQ(found[0].secret, "AKIA2E4RTQ5NB7XKW3JM");
  EXPECT_EQ(found[0].redacted, "AKIA\xE2\x80\xA6");  // 16 of 20 stay hidden
  EXPECT_EQ(found[0].snippet.find("AKIA2E4RTQ5NB7XKW3JM"), std::string::npos);
}

TEST(PublicApi, BadExtraRulesAreAnError) {
  auto scanner = Scanner::create({.extra_rule_paths = {"/nonexistent/rules.toml"}});
  ASSERT_FALSE(scanner);
  EXPECT_NE(scanner.error().to_string().find("/nonexistent/rules.toml"), std::string::npos);
}

// --- suppression, as `keysweep scan` does it -----------------------------------------------------

class ProjectDir {
 public:
  ProjectDir() {
    char tmpl[] = "/tmp/keysweep-api-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~ProjectDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path;
};

// FAKE values with the documented shapes, never issued by a provider.
constexpr const char* kKeyA = "AKIA2E4RTQ5NB7XKW3JM";
constexpr const char* kKeyB = "AKIAQ7M3XK2WTN5RBV4J";
constexpr const char* kKeyC = "AKIAZ3N7QW5KTR2XBM4V";
constexpr const char* kKeyD = "AKIAW5R2KT7XQM3NBV4Z";

struct Collected {
  std::vector<Finding> reported;
  std::vector<std::pair<std::string, Suppression>> hidden;  // (secret, why)
  Result<ScanTotals> totals;
};

Collected scan_dir(const Scanner& scanner, const std::string& dir) {
  Collected c;
  c.totals = scanner.scan_paths(
      {dir}, [&](const Finding& f) { c.reported.push_back(f); },
      [&](const Finding& f, const Suppression& why) { c.hidden.emplace_back(f.secret, why); });
  return c;
}

TEST(PublicApi, AllowCommentsHideFindingsAndAreCountedByDefault) {
  auto scanner = Scanner::create({});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  std::vector<std::pair<std::string, Suppression>> hidden;
  size_t reported = 0;
  auto totals = scanner->scan_buffer(
      std::string("aws_access_key_id = ") + kKeyA + "  # keysweep:allow test account\n", "creds.ini",
      [&](const Finding&) { ++reported; },
      [&](const Finding& f, const Suppression& why) { hidden.emplace_back(f.secret, why); });
  ASSERT_TRUE(totals);
  EXPECT_EQ(reported, 0u);
  EXPECT_EQ(totals->findings, 0u);
  EXPECT_EQ(totals->suppressed.at("allow-comment"), 1u);
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0].first, kKeyA);
  EXPECT_TRUE(hidden[0].second.in_source());
  EXPECT_EQ(hidden[0].second.source, "creds.ini");

  auto everything = Scanner::create({.suppression = {.enabled = false}});
  ASSERT_TRUE(everything);
  auto all = everything->scan_buffer(std::string("key = ") + kKeyA + "  # keysweep:allow\n", "c.ini",
                                     [&](const Finding&) { ++reported; });
  ASSERT_TRUE(all);
  EXPECT_EQ(reported, 1u);
  EXPECT_TRUE(all->suppressed.empty());
}

TEST(PublicApi, ProjectFilesIgnoreFilesAndBaselinesWorkAsOnTheCommandLine) {
  ProjectDir dir;
  dir.write("keysweep.toml", "[allowlist]\npaths = [\"app/test.env\"]\n");
  dir.write(".keysweepignore", "vendor/\n");
  dir.write("vendor/sdk.env", std::string("AWS_ACCESS_KEY_ID=") + kKeyA + "\n");
  dir.write("app/test.env", std::string("AWS_ACCESS_KEY_ID=") + kKeyB + "\n");
  std::string old_file = dir.write("app/old.env", std::string("AWS_ACCESS_KEY_ID=") + kKeyC + "\n");
  dir.write("app/new.env", std::string("AWS_ACCESS_KEY_ID=") + kKeyD + "\n");

  // The baseline knows old.env's key: made as `keysweep baseline create` makes it.
  auto plain = Scanner::create({.suppression = {.enabled = false}});
  ASSERT_TRUE(plain);
  std::vector<Finding> old;
  ASSERT_TRUE(plain->scan_paths({old_file}, [&](const Finding& f) { old.push_back(f); }));
  ASSERT_EQ(old.size(), 1u);
  suppress::RelativePaths rel(dir.path);
  std::string baseline = dir.write("keysweep-baseline.json",
                                   suppress::Baseline::from_findings(old, rel).to_json("test"));

  auto scanner = Scanner::create({.suppression = {.baseline = baseline, .project_dir = dir.path}});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  Collected c = scan_dir(*scanner, dir.path);
  ASSERT_TRUE(c.totals);
  ASSERT_EQ(c.reported.size(), 1u);
  EXPECT_EQ(c.reported[0].secret, kKeyD);
  EXPECT_EQ(c.totals->findings, 1u);
  EXPECT_EQ(c.totals->suppressed, (std::map<std::string, uint64_t>{{"allow-comment", 0},
                                                                   {"allowlist", 1},
                                                                   {"baseline", 1},
                                                                   {"ignore-file", 1},
                                                                   {"rule-disabled", 0}}));
  std::map<std::string, std::string> why;
  for (const auto& [secret, s] : c.hidden) why[secret] = s.mechanism + " " + s.source;
  EXPECT_EQ(why[kKeyA], "ignore-file " + dir.path + "/.keysweepignore");
  EXPECT_EQ(why[kKeyB], "allowlist " + dir.path + "/keysweep.toml");
  EXPECT_EQ(why[kKeyC], "baseline " + baseline);

  // Without project_dir the library reads no file it was not given; an explicit ignore file
  // (relative to the working directory at create(), like --ignore-file) still applies.
  std::string ignore = dir.write("extra.ignore", "app/\n");
  char cwd[4096];
  ASSERT_TRUE(getcwd(cwd, sizeof cwd));
  ASSERT_EQ(chdir(dir.path.c_str()), 0);
  auto explicit_only = Scanner::create({.suppression = {.ignore_files = {ignore}}});
  Collected e = explicit_only ? scan_dir(*explicit_only, ".") : Collected{};
  ASSERT_EQ(chdir(cwd), 0);
  ASSERT_TRUE(explicit_only) << explicit_only.error().to_string();
  ASSERT_TRUE(e.totals);
  EXPECT_EQ(e.totals->suppressed.at("ignore-file"), 3u);  // app/*, not vendor/ (no .keysweepignore)
  EXPECT_EQ(e.totals->suppressed.at("allowlist"), 0u);    // no keysweep.toml
}

TEST(PublicApi, SuppressionMistakesAreCreateErrorsLikeTheCli) {
  auto typo = Scanner::create({.suppression = {.disable_rules = {"awz.*"}}});
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("awz.*"), std::string::npos);
  auto missing = Scanner::create({.suppression = {.baseline = "/nonexistent/baseline.json"}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("/nonexistent/baseline.json"), std::string::npos);
  // A disabled rule's findings are counted, never handed over.
  auto disabled = Scanner::create({.suppression = {.disable_rules = {"aws.*"}}});
  ASSERT_TRUE(disabled);
  size_t calls = 0;
  auto t = disabled->scan_buffer(std::string("k = ") + kKeyA + "\n", "a.ini",
                                 [&](const Finding&) { ++calls; },
                                 [&](const Finding&, const Suppression&) { ++calls; });
  ASSERT_TRUE(t);
  EXPECT_EQ(calls, 0u);
  EXPECT_EQ(t->suppressed.at("rule-disabled"), 1u);
}

}  // namespace
}  // namespace keysweep
