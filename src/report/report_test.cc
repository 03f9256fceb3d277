// Every output format on a fixed pair of findings (golden files), plus what each must guarantee:
// no secret in clear unless asked, CSV quoting, valid JSON from invalid UTF-8 names, SARIF URIs.
// Regenerate the golden files after an intended change with KEYSWEEP_UPDATE_GOLDEN=1.
// Suite names start with "report" so `ctest -R report` selects every test of this file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/secret.h"
#include "report/reporter.h"
#include "report/risk_order.h"

namespace keysweep {
namespace {

// FAKE values with the providers' shapes; never issued by anyone.
constexpr const char* kTwilioToken = "b61c0e9a47d2f3851e6a09c4d7b2f3e8";
constexpr const char* kAwsKeyId = "AKIAQ3XZ7PLM2RDV5KTN";

Rule twilio_rule() {
  Rule r;
  r.id = "twilio.auth_token";
  r.name = "Twilio Auth Token";
  r.provider = "twilio";
  r.confidence = Confidence::kMedium;
  r.grants = Grants::kFullAccount;
  r.references = {"https://www.twilio.com/docs/iam/api/authtoken"};
  r.remediation = "Rotate the Auth Token in the Twilio Console. Call your own backend instead.";
  return r;
}

Rule aws_rule() {
  Rule r;
  r.id = "aws.access_key_id";
  r.name = "AWS Access Key ID";
  r.provider = "aws";
  r.confidence = Confidence::kHigh;
  r.grants = Grants::kIdentifier;
  r.references = {
      "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"};
  return r;
}

Finding make_finding(const Rule& rule, const std::string& secret, std::vector<std::string> chain,
                     std::string symbol, uint32_t line, uint32_t column,
                     const std::string& line_before, const std::string& line_after) {
  Finding f;
  f.rule_id = rule.id;
  f.rule_name = rule.name;
  f.provider = rule.provider;
  f.confidence = rule.confidence;
  f.location.chain = std::move(chain);
  f.location.symbol = std::move(symbol);
  f.location.offset = 4242;
  f.location.line = line;
  f.location.column = column;
  f.secret = secret;
  f.secret_sha256 = sha256_hex(secret);
  f.redacted = redact_secret(secret);
  f.fingerprint =
      finding_fingerprint(f.rule_id, f.secret_sha256, f.location.display_path(), f.location.symbol);
  f.snippet = line_before + f.redacted + line_after;
  f.snippet_clear = line_before + secret + line_after;
  return f;
}

Finding twilio_finding() {
  Finding f = make_finding(twilio_rule(), kTwilioToken,
                           {"app/src/main/java/com/example/sms/TwilioClient.java"}, "", 12, 38,
                           "    static final String AUTH_TOKEN = \"", "\";");
  // Found in base64 of percent-encoded text: every format names the decodings.
  f.location.decoders = {"base64", "percent"};
  return f;
}

Finding aws_finding() {
  Finding f = make_finding(aws_rule(), kAwsKeyId, {"apps/nav.apk", "classes2.dex"},
                           "com.example.nav.Upload.<clinit>()", 0, 0, "const-string \"", "\"");
  // Member by member: AppIdentity grows fields (team_id) that this fixture leaves empty.
  f.app.platform = "android";
  f.app.package = "com.example.nav";
  f.app.version = "3.2.1";
  f.app.signer_sha256 = "5f2c0e1d9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d";
  return f;
}

ScanSummary fixed_summary() {
  ScanSummary s;
  s.files_scanned = 3;
  s.blobs_scanned = 5;
  s.bytes_scanned = 123456;
  s.findings = 2;
  s.seconds = 0.25;  // fixed: golden files must not depend on the clock
  s.diagnostics_by_kind = {{"malformed", 1}};
  s.diagnostics = {{Severity::kWarning, DiagnosticKind::kMalformed, "apps/broken.apk!classes.dex",
                    "bad DEX header magic"}};
  // As the suppression stage fills it: every mechanism, 0 for those that hid nothing.
  s.suppressed = {{"allow-comment", 1}, {"allowlist", 0}, {"baseline", 4}, {"ignore-file", 0},
                  {"rule-disabled", 0}};
  return s;
}

struct Entry {
  Finding finding;
  std::optional<Rule> rule;
};

std::string render(const std::string& format, const std::vector<Entry>& entries,
                   bool show_secrets = false, const std::string& base_dir = "") {
  ReportOptions o;
  o.show_secrets = show_secrets;
  o.tool_version = "0.1.0-test";
  o.base_dir = base_dir;
  std::ostringstream out;
  auto reporter = make_reporter(format, out, o);
  EXPECT_TRUE(reporter.has_value()) << format;
  if (!reporter) return {};
  (*reporter)->begin();
  for (const auto& e : entries) (*reporter)->finding(e.finding, e.rule ? &*e.rule : nullptr);
  (*reporter)->end(fixed_summary());
  return out.str();
}

std::vector<Entry> fixed_pair() {
  return {{twilio_finding(), twilio_rule()}, {aws_finding(), aws_rule()}};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<std::string> kFormats = {"human", "json", "jsonl", "sarif", "csv"};

// Compares `actual` with tests/golden/report/NAME.golden; with KEYSWEEP_UPDATE_GOLDEN set, writes
// it there instead and skips.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path =
      std::string(KEYSWEEP_SOURCE_DIR) + "/tests/golden/report/" + name + ".golden";
  if (std::getenv("KEYSWEEP_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "updated " << path;
  }
  const std::string expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected) << name << " differs from " << path;
}

class GoldenOutput : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOutput, MatchesGoldenFile) {
  // Relative paths resolve against the current directory, which is also the default base, so
  // SARIF URIs come out relative whatever directory the test runs in.
  expect_golden(GetParam(), render(GetParam(), fixed_pair()));
}

INSTANTIATE_TEST_SUITE_P(report, GoldenOutput, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return info.param; });

// The same findings after `scan --verify` against a mock (an endpoint override in effect): one
// live with an identity, one revoked, plus a finding no verifier covers.
std::string render_verified(const std::string& format) {
  ReportOptions o;
  o.tool_version = "0.1.0-test";
  o.verification = true;
  o.verify_endpoint_overrides = {"twilio=http://127.0.0.1:8080"};
  std::ostringstream out;
  auto reporter = make_reporter(format, out, o);
  EXPECT_TRUE(reporter.has_value()) << format;
  if (!reporter) return {};
  auto entries = fixed_pair();
  entries[0].finding.verification = {Verification::Status::kLive, "Acme Ltd",
                                     "account status: active", "127.0.0.1:8080"};
  entries[1].finding.verification = {Verification::Status::kRevoked, "",
                                     "AWS does not know this access key id (InvalidClientTokenId)",
                                     "sts.amazonaws.com"};
  Finding unchecked = twilio_finding();
  unchecked.rule_id = "generic.password";
  unchecked.rule_name = "Generic Password";
  entries.push_back({unchecked, std::nullopt});
  (*reporter)->begin();
  for (const auto& e : entries) (*reporter)->finding(e.finding, e.rule ? &*e.rule : nullptr);
  (*reporter)->end(fixed_summary());
  return out.str();
}

class GoldenVerifiedOutput : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenVerifiedOutput, MatchesGoldenFile) {
  expect_golden(GetParam() + "_verified", render_verified(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(report, GoldenVerifiedOutput, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return info.param; });

// Every format names the override, so nobody mistakes a mock's "live" for the provider's.
TEST(report_verification, EveryFormatShowsStatusAndTheOverride) {
  for (const auto& format : kFormats) {
    SCOPED_TRACE(format);
    const std::string text = render_verified(format);
    EXPECT_NE(text.find("Acme Ltd"), std::string::npos);
    EXPECT_NE(text.find("revoked"), std::string::npos);
    if (format != "csv") {
      EXPECT_NE(text.find("twilio=http://127.0.0.1:8080"), std::string::npos);
    }
  }
}

// Without --verify nothing about verification appears, so plain scans read as before.
TEST(report_verification, AbsentWithoutVerify) {
  for (const auto& format : kFormats) {
    SCOPED_TRACE(format);
    EXPECT_EQ(render(format, fixed_pair()).find("verif"), std::string::npos);
  }
}

// `scan --git`: a finding from history (commit, author, date, path) and one only staged, with
// the repository every format names.
std::string render_git(const std::string& format) {
  ReportOptions o;
  o.tool_version = "0.1.0-test";
  o.git = true;
  o.git_repository_uri = "https://example.com/acme/app.git";
  o.git_revision = "9f0e1d2c3b4a59687766554433221100ffeeddcc";
  o.git_branch = "main";
  std::ostringstream out;
  auto reporter = make_reporter(format, out, o);
  EXPECT_TRUE(reporter.has_value()) << format;
  if (!reporter) return {};
  Finding history = twilio_finding();
  history.location.git.commit = "3c1d5e7f9a0b2c4d6e8f1a3b5c7d9e0f2a4b6c8d";
  history.location.git.author = "Alice Example <alice@example.com>";
  history.location.git.time = 1704110400;  // 2024-01-01T12:00:00Z
  history.location.git.path = history.location.chain.front();
  Finding staged = make_finding(aws_rule(), kAwsKeyId, {"deploy/.env"}, "", 1, 19,
                                "AWS_ACCESS_KEY_ID=", "");
  staged.location.git.staged = true;
  staged.location.git.path = "deploy/.env";
  ScanSummary s = fixed_summary();
  s.git = true;
  s.git_commits = 42;
  (*reporter)->begin();
  (*reporter)->finding(history, nullptr);
  (*reporter)->finding(staged, nullptr);
  (*reporter)->end(s);
  return out.str();
}

class GoldenGitOutput : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenGitOutput, MatchesGoldenFile) {
  expect_golden(GetParam() + "_git", render_git(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(report, GoldenGitOutput, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return info.param; });

// Every format shows where in history a finding came from.
TEST(report_git, EveryFormatNamesTheCommit) {
  for (const auto& format : kFormats) {
    SCOPED_TRACE(format);
    const std::string text = render_git(format);
    EXPECT_NE(text.find("3c1d5e7"), std::string::npos);
    EXPECT_NE(text.find("staged"), std::string::npos);
    EXPECT_NE(text.find("2024-01-01T12:00:00Z"), std::string::npos);
  }
}

// A paired credential: the pair and each part hold secrets, and every one must stay redacted.
Finding twilio_pair() {
  Rule sid_rule = twilio_rule();
  sid_rule.id = "twilio.account_sid";
  sid_rule.name = "Twilio Account SID";
  Finding sid = make_finding(sid_rule, "AC5e0b7c2d9f4a61839c7d2e0f1b6a4c93", {"app/Config.java"},
                             "", 1, 30, "TWILIO_SID = \"", "\"");
  sid.pair_role = "id";
  Finding token = make_finding(twilio_rule(), kTwilioToken, {"app/Config.java"}, "", 2, 37,
                               "TWILIO_AUTH_TOKEN = \"", "\"");
  token.pair_role = "secret";
  Finding pair = token;
  pair.rule_id = "twilio.account";
  pair.rule_name = "Twilio Account";
  pair.confidence = Confidence::kHigh;
  pair.parts = {sid, token};
  return pair;
}

class Redaction : public ::testing::TestWithParam<std::string> {};

TEST_P(Redaction, NoSecretInClearUnlessShowSecrets) {
  std::vector<Entry> entries = fixed_pair();
  entries.push_back({twilio_pair(), std::nullopt});
  const std::vector<std::string> secrets = {kTwilioToken, kAwsKeyId,
                                            "AC5e0b7c2d9f4a61839c7d2e0f1b6a4c93"};
  const std::string hidden = render(GetParam(), entries, false);
  for (const auto& s : secrets) EXPECT_EQ(hidden.find(s), std::string::npos) << s;
  EXPECT_NE(hidden.find(redact_secret(kTwilioToken)), std::string::npos);
  EXPECT_NE(hidden.find(sha256_hex(kAwsKeyId).substr(0, 16)), std::string::npos);

  const std::string shown = render(GetParam(), entries, true);
  EXPECT_NE(shown.find(kTwilioToken), std::string::npos);
  EXPECT_NE(shown.find(kAwsKeyId), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(report, Redaction, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return info.param; });

TEST(report_json_formats, PairPartsAreRedactedObjectsWithRoles) {
  auto doc = nlohmann::json::parse(render("json", {{twilio_pair(), std::nullopt}}));
  const auto& parts = doc["findings"][0]["parts"];
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]["pair_role"], "id");
  EXPECT_EQ(parts[1]["redacted"], redact_secret(kTwilioToken));
  EXPECT_FALSE(parts[1].contains("secret"));
  auto shown = nlohmann::json::parse(render("json", {{twilio_pair(), std::nullopt}}, true));
  EXPECT_EQ(shown["findings"][0]["parts"][1]["secret"], kTwilioToken);
}

TEST(report_json, DocumentCarriesFindingsSummaryAndDiagnostics) {
  auto doc = nlohmann::json::parse(render("json", fixed_pair()));
  EXPECT_EQ(doc["version"], "0.1.0-test");
  ASSERT_EQ(doc["findings"].size(), 2u);
  const auto& aws = doc["findings"][1];
  EXPECT_EQ(aws["location"]["path"], "apps/nav.apk");
  EXPECT_EQ(aws["location"]["display_path"], "apps/nav.apk!classes2.dex");
  EXPECT_EQ(aws["app"]["package"], "com.example.nav");
  EXPECT_FALSE(doc["findings"][0].contains("app"));
  EXPECT_EQ(doc["findings"][0]["remediation"], twilio_rule().remediation);
  EXPECT_EQ(doc["summary"]["findings"], 2);
  EXPECT_EQ(doc["summary"]["diagnostics_by_kind"]["malformed"], 1);
  EXPECT_EQ(doc["summary"]["diagnostics"][0]["path"], "apps/broken.apk!classes.dex");
  EXPECT_EQ(doc["summary"]["suppressed"]["allow-comment"], 1);
  EXPECT_EQ(doc["summary"]["suppressed"]["baseline"], 4);
  EXPECT_EQ(doc["summary"]["suppressed"]["rule-disabled"], 0);  // every mechanism, even at 0
}

TEST(report_json, EmptyRunIsAValidDocument) {
  auto doc = nlohmann::json::parse(render("json", {}));
  EXPECT_TRUE(doc["findings"].is_array());
  EXPECT_TRUE(doc["findings"].empty());
}

TEST(report_jsonl, OneFindingPerLineThenTheSummary) {
  std::istringstream lines(render("jsonl", fixed_pair()));
  std::vector<nlohmann::json> objects;
  for (std::string line; std::getline(lines, line);) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0]["type"], "finding");
  EXPECT_EQ(objects[1]["rule_id"], "aws.access_key_id");
  EXPECT_EQ(objects[2]["type"], "summary");
  EXPECT_EQ(objects[2]["files_scanned"], 3);
}

// File names come from disk and archives: bytes, not necessarily UTF-8. JSON must stay valid.
TEST(report_json_formats, InvalidUtf8PathsBecomeValidJson) {
  Finding f = twilio_finding();
  f.location.chain = {"dir/bad\xFFname.java", "inner\xC3.txt"};
  f.location.symbol = "sym\xFE";
  const std::string repaired = "dir/bad\xEF\xBF\xBDname.java";
  for (const std::string format : {"json", "jsonl", "sarif"}) {
    std::string out = render(format, {{f, twilio_rule()}});
    EXPECT_TRUE(is_valid_utf8(out)) << format;
    std::string first = format == "jsonl" ? out.substr(0, out.find('\n')) : out;
    auto doc = nlohmann::json::parse(first, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(doc.is_discarded()) << format;
    if (format == "json") {
      EXPECT_EQ(doc["findings"][0]["location"]["path"], repaired);
    } else if (format == "jsonl") {
      EXPECT_EQ(doc["location"]["chain"][0], repaired);
    }
  }
}

// A file name, symbol or manifest value holding ESC or a newline reaches no output raw: the human
// and CSV reports and SARIF's message escape it, and no format gains a line from it.
TEST(report_all_formats, ControlCharactersInNamesAreEscaped) {
  Finding f = twilio_finding();
  f.location.chain = {"key\x1b[31mred\nforged.env", "entry\x1b]0;title\x07"};
  f.location.symbol = "Sym\r\nbol";
  f.app.package = "com.example\x1b[2J";
  const std::vector<Entry> entries = {{f, twilio_rule()}};
  for (const auto& format : kFormats) {
    std::string out = render(format, entries);
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << format;
    EXPECT_EQ(out.find("red\nforged"), std::string::npos) << format;
    // The same number of lines as a report with no finding in it plus what one finding adds in
    // this format: the newlines in the names add none.
    Finding plain = twilio_finding();
    plain.location.chain = {"keyred.env", "entry"};
    plain.location.symbol = "Symbol";
    plain.app.package = "com.example";
    std::string clean = render(format, {{plain, twilio_rule()}});
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), std::count(clean.begin(), clean.end(), '\n'))
        << format << "\n" << out;
  }
  EXPECT_NE(render("human", entries).find("key\\x1b[31mred\\x0aforged.env!entry\\x1b]0;title\\x07"),
            std::string::npos);
  EXPECT_NE(render("csv", entries).find("Sym\\x0d\\x0abol"), std::string::npos);
}

TEST(report_csv, QuotesCommasAndQuotesPerRfc4180) {
  Finding f = twilio_finding();
  f.location.chain = {"odd,\"name\".env"};
  std::string out = render("csv", {{f, twilio_rule()}});
  std::istringstream lines(out);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header,
            "path,display_path,line,column,symbol,rule_id,provider,confidence,redacted,"
            "secret_sha256,fingerprint,decoders,app_package,app_version,app_signer_sha256,"
            "app_team_id\r");
  EXPECT_TRUE(row.starts_with("\"odd,\"\"name\"\".env\",\"odd,\"\"name\"\".env\",12,38,,")) << row;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);  // header + one row, CRLF ends
}

TEST(report_csv, ShowSecretsNamesTheColumnSecret) {
  std::string out = render("csv", fixed_pair(), true);
  EXPECT_NE(out.find(",confidence,secret,secret_sha256,"), std::string::npos);
}

nlohmann::json sarif(const std::vector<Entry>& entries, const std::string& base_dir) {
  return nlohmann::json::parse(render("sarif", entries, false, base_dir));
}

std::string first_uri(const nlohmann::json& log) {
  return log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"];
}

TEST(report_sarif, UrisAreRelativeToTheBaseAndPercentEncoded) {
  Finding f = twilio_finding();
  f.location.chain = {"/work/repo/dir with space/a#b%c.env"};
  EXPECT_EQ(first_uri(sarif({{f, twilio_rule()}}, "/work/repo")),
            "dir%20with%20space/a%23b%25c.env");
  EXPECT_EQ(first_uri(sarif({{f, twilio_rule()}}, "/work/repo/")),
            "dir%20with%20space/a%23b%25c.env");
  // Outside the base: an absolute file URI rather than a "../" path GitHub cannot resolve.
  EXPECT_EQ(first_uri(sarif({{f, twilio_rule()}}, "/elsewhere")),
            "file:///work/repo/dir%20with%20space/a%23b%25c.env");
  f.location.chain = {"./src/../src/Main.java"};
  EXPECT_EQ(first_uri(sarif({{f, twilio_rule()}}, "")), "src/Main.java");
}

TEST(report_sarif, RulesLevelsAndLocations) {
  Finding low = twilio_finding();
  low.confidence = Confidence::kLow;
  auto log = sarif({{aws_finding(), aws_rule()}, {low, twilio_rule()}}, "");
  const auto& run = log["runs"][0];
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 2u);
  for (const auto& r : run["results"]) {
    const auto& rule = rules[r["ruleIndex"].get<size_t>()];
    EXPECT_EQ(rule["id"], r["ruleId"]);
    EXPECT_EQ(rule["properties"]["tags"], nlohmann::json::array({"security", "secret"}));
  }
  // Levels follow severity (core/risk.h), not confidence: a high-confidence AWS key id alone
  // grants nothing (low: a note); a low-confidence Twilio token grants the account (high, one
  // level down for the confidence: medium, a warning).
  const auto& aws = run["results"][0];
  EXPECT_EQ(aws["level"], "note");
  EXPECT_EQ(aws["properties"]["severity"], "low");
  EXPECT_EQ(aws["properties"]["why"], "AWS identifier only; 1 app; not checked");
  EXPECT_EQ(aws["properties"]["security-severity"], "3.0");
  EXPECT_EQ(rules[aws["ruleIndex"].get<size_t>()]["properties"]["security-severity"], "3.0");
  EXPECT_EQ(rules[aws["ruleIndex"].get<size_t>()]["defaultConfiguration"]["level"], "note");
  // Inside a container: the container is the artifact, the entry a logical location.
  const auto& loc = aws["locations"][0];
  EXPECT_EQ(loc["physicalLocation"]["artifactLocation"]["uri"], "apps/nav.apk");
  EXPECT_EQ(loc["logicalLocations"][0]["fullyQualifiedName"], "apps/nav.apk!classes2.dex");
  EXPECT_NE(aws["message"]["text"].get<std::string>().find("apps/nav.apk!classes2.dex"),
            std::string::npos);
  EXPECT_EQ(aws["partialFingerprints"]["keysweep/v1"], aws_finding().fingerprint);
  const auto& tw = run["results"][1];
  EXPECT_EQ(tw["level"], "warning");
  EXPECT_EQ(tw["properties"]["security-severity"], "5.5");
  EXPECT_EQ(tw["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
  EXPECT_EQ(tw["locations"][0]["physicalLocation"]["region"]["startColumn"], 38);
  EXPECT_EQ(rules[tw["ruleIndex"].get<size_t>()]["helpUri"], twilio_rule().references[0]);
}

// A rule's SARIF default is its worst result's: code scanning ranks alerts by it.
TEST(report_sarif, RuleSeverityIsItsWorstResults) {
  Finding weak = twilio_finding();
  weak.confidence = Confidence::kLow;  // medium
  Finding live = twilio_finding();
  live.location.chain = {"b.java"};
  live.verification.status = Verification::Status::kLive;  // full account, live: critical
  auto log = sarif({{weak, twilio_rule()}, {live, twilio_rule()}}, "");
  const auto& run = log["runs"][0];
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 1u);
  const auto& rule = run["tool"]["driver"]["rules"][0];
  EXPECT_EQ(rule["properties"]["security-severity"], "9.5");
  EXPECT_EQ(rule["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(run["results"][0]["properties"]["severity"], "medium");
  EXPECT_EQ(run["results"][1]["properties"]["severity"], "critical");
}

// json and jsonl: each finding carries its severity and why; a pair's parts do not (the pair is
// the credential).
TEST(report_json_formats, FindingsCarrySeverityAndWhy) {
  for (const char* format : {"json", "jsonl"}) {
    SCOPED_TRACE(format);
    std::string text = render(format, {{twilio_finding(), twilio_rule()}, {twilio_pair(), twilio_rule()}});
    std::vector<nlohmann::json> findings;
    if (std::string(format) == "json") {
      const auto doc = nlohmann::json::parse(text);
      for (const auto& f : doc["findings"]) findings.push_back(f);
    } else {
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);)
        if (auto j = nlohmann::json::parse(line); j["type"] == "finding") findings.push_back(j);
    }
    ASSERT_EQ(findings.size(), 2u);
    EXPECT_EQ(findings[0]["severity"], "high");
    EXPECT_EQ(findings[0]["why"], "full Twilio account; not checked");
    EXPECT_EQ(findings[1]["severity"], "high");
    for (const auto& part : findings[1]["parts"]) EXPECT_FALSE(part.contains("severity")) << part;
  }
  // No rule known: the default grants (scoped write), medium.
  auto doc = nlohmann::json::parse(render("json", {{twilio_finding(), std::nullopt}}));
  EXPECT_EQ(doc["findings"][0]["severity"], "medium");
}

TEST(report_human, SaysTheSeverityAndWhy) {
  const std::string text = render("human", fixed_pair());
  EXPECT_NE(text.find("  severity: high (full Twilio account; not checked)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  severity: low (AWS identifier only; 1 app; not checked)\n"), std::string::npos) << text;
}

// Scan output order: most severe first; ties by path, then line and column.
TEST(report_risk_order, MostSevereFirstThenPathAndLine) {
  const Rule twilio = twilio_rule(), aws = aws_rule();
  Finding aws_a = aws_finding();  // low, apps/nav.apk
  Finding aws_b = make_finding(aws, kAwsKeyId, {"a/.env"}, "", 3, 1, "KEY=", "");  // low, a/.env
  Finding aws_c = make_finding(aws, kAwsKeyId, {"a/.env"}, "", 1, 5, "KEY=", "");  // line 1
  Finding tw_z = make_finding(twilio, kTwilioToken, {"z/Main.java"}, "", 9, 1, "T=", "");  // high
  Finding tw_live = make_finding(twilio, kTwilioToken, {"zz/Main.java"}, "", 1, 1, "T=", "");
  tw_live.verification.status = Verification::Status::kLive;  // critical
  std::vector<Finding> findings = {aws_a, aws_b, tw_z, aws_c, tw_live};
  sort_by_risk(findings, [&](const Finding& f) { return f.rule_id == twilio.id ? &twilio : &aws; });
  std::vector<std::string> order;
  for (const auto& f : findings) order.push_back(f.location.display_path() + ":" + std::to_string(f.location.line));
  EXPECT_EQ(order, (std::vector<std::string>{"zz/Main.java:1", "z/Main.java:9", "a/.env:1", "a/.env:3",
                                             "apps/nav.apk!classes2.dex:0"}));
  // Nothing known of the rule: the default grants.
  EXPECT_EQ(finding_risk(aws_a, nullptr).severity, Risk::kMedium);
}

}  // namespace
}  // namespace keysweep
