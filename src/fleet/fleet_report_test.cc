#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fleet/fleet_output.h"
#include "fleet/fleet_report.h"

namespace keysweep::fleet {
namespace {

AppIdentity android(std::string package, std::string version, std::string signer) {
  return {"android", std::move(package), std::move(version), std::move(signer), ""};
}

FindingRow finding(std::string input, AppIdentity app, std::string rule, std::string provider,
                   std::string hash, std::string code_package = "",
                   std::string verification = "not_checked") {
  FindingRow f;
  f.input_path = std::move(input);
  f.chain = f.input_path + "!classes2.dex";
  f.rule_id = rule;
  f.rule_name = rule + " name";
  f.provider = std::move(provider);
  f.secret_sha256 = std::move(hash);
  f.redacted = "AKIA…W3JM";
  f.code_package = std::move(code_package);
  f.verification = std::move(verification);
  f.app = std::move(app);
  return f;
}

// Three apps from two publishers and one app without metadata:
//   one AWS pair in an SDK (com.example.sdk) shipped by both publishers' apps, one app in two
//   versions, verified live; a Google key in one app's own code; a token in a source file.
FleetData sample() {
  FleetData d;
  auto one = android("com.acme.one", "1.0", "s1");
  auto two_a = android("com.beta.two", "2.0", "s2");
  auto two_b = android("com.beta.two", "2.1", "s2");
  auto three = android("com.gamma.three.app", "3.0", "s3");
  d.inputs = {{"apps/one.apk", 100, "ok", "", {}, one},
              {"apps/two-2.0.apk", 200, "ok", "", {}, two_a},
              {"apps/two-2.1.apk", 300, "ok", "", {}, two_b},
              {"apps/three.apk", 400, "partial", "classes.dex: bad header", {"malformed"}, three},
              {"apps/broken.apk", 50, "error", "no central directory", {"malformed"}, {}},
              {"src/Config.java", 10, "ok", "", {}, {}},
              {"apps/random-bytes.apk", 70, "ok", "", {}, {}}};
  d.findings = {
      finding("apps/one.apk", one, "aws.credentials", "aws", "h-aws", "com.example.sdk.telemetry",
              "live"),
      finding("apps/two-2.0.apk", two_a, "aws.credentials", "aws", "h-aws", "com.example.sdk.telemetry",
              "unknown"),
      finding("apps/two-2.1.apk", two_b, "aws.credentials", "aws", "h-aws", "com.example.sdk.telemetry"),
      finding("apps/three.apk", three, "google.api_key", "google", "h-google", "com.gamma.three.net"),
      finding("apps/three.apk", three, "google.api_key", "google", "h-google"),
      finding("src/Config.java", {}, "github.pat", "github", "h-gh"),
  };
  d.metadata["com.acme.one"] = {"Acme", 1000, "google_play"};
  d.metadata["com.beta.two"] = {"Beta Soft", 500, "google_play"};
  return d;
}

TEST(FleetHolder, AppCodeSdkCodeAndNoApp) {
  FindingRow f;
  f.app = android("com.acme.shop.android", "1", "s");
  EXPECT_EQ(holder_of(f), "app");  // not DEX code: the app's resources, manifest, assets
  f.code_package = "com.acme.shop.android.net";
  EXPECT_EQ(holder_of(f), "app");
  f.code_package = "com.acme.shop.billing";  // same organisation (first three labels)
  EXPECT_EQ(holder_of(f), "app");
  f.code_package = "com.twilio.sdk.internal.http";
  EXPECT_EQ(holder_of(f), "sdk:com.twilio.sdk");
  f.code_package = "io.sdk";
  EXPECT_EQ(holder_of(f), "sdk:io.sdk");
  f.app = {};
  EXPECT_EQ(holder_of(f), "none");
}

TEST(FleetHolder, CodePackageFromChainAndSymbol) {
  EXPECT_EQ(code_package_from("a.apk!classes2.dex!strings", "com.example.sdk.Telemetry.AWS_KEY"),
            "com.example.sdk");
  EXPECT_EQ(code_package_from("a.apk!classes.dex!strings", "com.twilio.sdk.Client.send()"),
            "com.twilio.sdk");
  EXPECT_EQ(code_package_from("a.apk!classes.dex!strings", "dex string #12"), "");
  EXPECT_EQ(code_package_from("a.apk!resources.arsc!values", "@string/key"), "");
  EXPECT_EQ(code_package_from("a.apk!assets/config.json", "twilio.auth_token"), "");
  FindingRow f;
  f.app = android("com.acme.shop", "1", "s");
  f.chain = "a.apk!classes2.dex!strings";
  f.symbol = "com.adnet.ads.AdConfig.ALERT_WEBHOOK";
  EXPECT_EQ(holder_of(f), "sdk:com.adnet.ads");  // no stored code_package: derived
}

TEST(FleetReport, ClustersAppsSignersPublishersAndHolders) {
  FleetReport r = build_report(sample());
  ASSERT_EQ(r.clusters.size(), 3u);
  const Cluster& aws = r.clusters[0];  // most apps first
  EXPECT_EQ(aws.rule_id, "aws.credentials");
  EXPECT_EQ(aws.apps.size(), 2u);
  EXPECT_EQ(aws.versions, 3u);
  EXPECT_EQ(aws.findings, 3u);
  EXPECT_EQ(aws.signers, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE(aws.multiple_signers);
  EXPECT_EQ(aws.publishers, (std::vector<std::string>{"Acme", "Beta Soft"}));
  EXPECT_TRUE(aws.multiple_publishers);
  EXPECT_EQ(aws.holders, (std::vector<std::string>{"sdk:com.example.sdk"}));
  EXPECT_EQ(aws.verification, "live");  // the best status any occurrence got
  EXPECT_EQ(aws.installs, 1500);
  EXPECT_EQ(aws.apps[1].versions, (std::vector<std::string>{"2.0", "2.1"}));

  const Cluster& google = r.clusters[1];
  EXPECT_EQ(google.apps.size(), 1u);
  EXPECT_FALSE(google.multiple_signers);
  EXPECT_EQ(google.holders, (std::vector<std::string>{"app"}));
  EXPECT_EQ(google.apps_without_installs, 1u);

  const Cluster& gh = r.clusters[2];  // outside any app: an input, no app
  EXPECT_TRUE(gh.apps.empty());
  EXPECT_EQ(gh.inputs, (std::vector<std::string>{"src/Config.java"}));
  EXPECT_EQ(gh.holders, (std::vector<std::string>{"none"}));

  EXPECT_EQ(r.credentials, 3u);
  EXPECT_EQ(r.reused_credentials, 1u);
  EXPECT_EQ(r.multi_signer_credentials, 1u);
  EXPECT_EQ(r.live_credentials, 1u);
  EXPECT_EQ(r.apps, 3u);
  EXPECT_EQ(r.app_inputs, 4u);
  EXPECT_EQ(r.inputs, 7u);
}

TEST(FleetReport, UsersAtRiskAndProviderCounts) {
  FleetReport r = build_report(sample());
  EXPECT_EQ(r.users_at_risk.live, 1500);  // acme 1000 + beta 500, each app once (2 versions)
  EXPECT_EQ(r.users_at_risk.live_apps, 2u);
  EXPECT_EQ(r.users_at_risk.any, 1500);   // gamma has no install count
  EXPECT_EQ(r.users_at_risk.any_apps, 3u);
  EXPECT_EQ(r.users_at_risk.any_apps_without_installs, 1u);
  ASSERT_EQ(r.providers.size(), 3u);
  EXPECT_EQ(r.providers[0].provider, "aws");  // ties broken by name
  EXPECT_EQ(r.providers[0].live_credentials, 1u);
  EXPECT_EQ(r.providers[0].apps, 2u);
  EXPECT_EQ(r.providers[1].provider, "github");
  EXPECT_EQ(r.providers[2].provider, "google");
  ASSERT_EQ(r.problems.size(), 3u);  // by path; src/Config.java is not one
  EXPECT_EQ(r.problems[0].path, "apps/broken.apk");
  EXPECT_EQ(r.problems[0].status, "error");
  EXPECT_EQ(r.problems[1].path, "apps/random-bytes.apk");
  EXPECT_EQ(r.problems[1].status, "not-an-app");
  EXPECT_EQ(r.problems[2].status, "partial");
}

TEST(FleetReport, JsonIsTheSameWhateverTheRowOrder) {
  FleetData d = sample();
  const std::string want = report_json(build_report(d), std::nullopt).dump();
  std::mt19937 rng(7);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(d.findings.begin(), d.findings.end(), rng);
    std::shuffle(d.inputs.begin(), d.inputs.end(), rng);
    EXPECT_EQ(report_json(build_report(d), std::nullopt).dump(), want);
  }
  EXPECT_EQ(want.find("\"run\""), std::string::npos);
  ReportRun run;
  run.generated_at = "2026-11-29T10:00:00Z";
  auto with_run = report_json(build_report(d), run);
  EXPECT_EQ(with_run["run"]["generated_at"], "2026-11-29T10:00:00Z");
  OutputOptions one;
  one.max_clusters = 1;
  EXPECT_EQ(report_json(build_report(d), std::nullopt, one)["clusters"].size(), 1u);
}

TEST(FleetHtml, SelfContainedAndDataCannotCloseTheScript) {
  FleetData d = sample();
  d.findings[0].rule_name = "</script><script>alert(1)</script>";
  auto json = report_json(build_report(d), std::nullopt);
  std::string page = report_html(json);
  EXPECT_NE(page.find("id=\"report-data\""), std::string::npos);
  EXPECT_EQ(page.find("/*@REPORT_DATA@*/"), std::string::npos);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>\\u003cscript>alert(1)"), std::string::npos);
  // Nothing is fetched: no external scripts, styles, images or fonts (the data may hold
  // references' addresses, shown as text; the page around it names none).
  const std::string around = page.substr(0, page.find("id=\"report-data\""));
  for (const char* bad : {"<script src", "<link", "<img", "url(", "@import", "https://"})
    EXPECT_EQ(around.find(bad), std::string::npos) << bad;
  for (const char* bad : {"<script src", "<link", "<img", "@import", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(page.find(bad), std::string::npos) << bad;
  // And the browser is told to refuse anything from elsewhere, before any script runs.
  EXPECT_NE(around.find("<meta http-equiv=\"Content-Security-Policy\"\n      content=\"default-src 'none'; "
                        "script-src 'unsafe-inline'; style-src 'unsafe-inline';"),
            std::string::npos);
}

// A fleet for the risk order: a Twilio pair (full account) in two publishers' apps, one Slack
// webhook (scoped) verified live in one app, a revoked AWS pair, a Firebase URL (public by
// design) and a generic password at low confidence in a source file.
FleetData risk_fleet() {
  FleetData d;
  auto night = android("com.night.bus", "2.4.1", "sig-night");
  auto night2 = android("com.night.bus", "2.4.2", "sig-night");
  auto ride = android("com.other.ride", "1.0.3", "sig-other");
  auto lone = android("com.lone.app", "1.0", "sig-lone");
  d.inputs = {{"apps/night-2.4.1.apk", 10, "ok", "", {}, night},
              {"apps/night-2.4.2.apk", 10, "ok", "", {}, night2},
              {"apps/ride.apk", 10, "ok", "", {}, ride},
              {"apps/lone.apk", 10, "ok", "", {}, lone},
              {"src/Config.java", 10, "ok", "", {}, {}}};
  auto twilio = [](std::string input, AppIdentity app, std::string symbol) {
    FindingRow f = finding(input, app, "twilio.account", "twilio", "h-twilio");
    f.rule_name = "Twilio Account SID + Twilio Auth Token";
    f.chain = input + "!classes2.dex!strings";
    f.symbol = std::move(symbol);
    f.redacted = "9a23…be54";
    f.confidence = Confidence::kHigh;
    f.snippet = f.symbol + " = \"9a23…be54\"";
    f.parts = {{"id", "twilio.account_sid", "ACfc…82fe", "com.x.Tw.SID", f.chain, 0},
               {"secret", "twilio.auth_token", "9a23…be54", f.symbol, f.chain, 0}};
    return f;
  };
  FindingRow slack = finding("apps/lone.apk", lone, "slack.webhook_url", "slack", "h-slack", "", "live");
  slack.chain = "apps/lone.apk!assets/config.json";
  slack.line = 4;
  slack.confidence = Confidence::kHigh;
  FindingRow aws = finding("apps/ride.apk", ride, "aws.credentials", "aws", "h-aws", "", "revoked");
  aws.confidence = Confidence::kHigh;
  aws.parts = {{"id", "aws.access_key_id", "AKIA…W3JM", "", aws.chain, 0},
               {"secret", "aws.secret_access_key", "vmc4…YofI", "", aws.chain, 0}};
  FindingRow url = finding("apps/lone.apk", lone, "firebase.database_url", "firebase", "h-fb");
  url.confidence = Confidence::kLow;
  FindingRow password = finding("src/Config.java", {}, "generic.password", "generic", "h-pw");
  password.chain = "src/Config.java";
  password.line = 12;
  password.confidence = Confidence::kLow;
  d.findings = {twilio("apps/night-2.4.1.apk", night, "com.night.bus.Sms.send()"),
                twilio("apps/night-2.4.2.apk", night2, "com.night.bus.Sms.send()"),
                twilio("apps/ride.apk", ride, "com.other.ride.Gateway.TOKEN"),
                slack, aws, url, password};
  d.metadata["com.night.bus"] = {"Night Bus Ltd", 1'000'000, "play"};
  d.metadata["com.other.ride"] = {"OtherCorp", 5000, "play"};
  d.rules["twilio.auth_token"] = {Grants::kFullAccount,
                                  "Rotate the Auth Token now. Never ship it in an app: keep it on a "
                                  "backend.",
                                  {"https://www.twilio.com/docs/iam/api/authtoken"}};
  d.rules["twilio.account_sid"] = {Grants::kIdentifier, "An identifier.", {}};
  d.rules["slack.webhook_url"] = {Grants::kScopedWrite, "Anyone with the URL can post. Revoke it.", {}};
  d.rules["aws.secret_access_key"] = {Grants::kFullAccount, "Deactivate the key.", {}};
  d.rules["firebase.database_url"] = {Grants::kPublicConfig, "The URL itself is public.", {}};
  d.rules["generic.password"] = {Grants::kFullAccount, "Change the password.", {}};
  return d;
}

TEST(FleetRisk, OrderSeverityWhyAndConfigurationApart) {
  FleetReport r = build_report(risk_fleet());
  ASSERT_EQ(r.clusters.size(), 4u);
  // Twilio: full account, 2 publishers: critical though not checked. Slack: scoped, live: high.
  // The password: full access at low confidence: medium. AWS: revoked: low.
  EXPECT_EQ(r.clusters[0].rule_id, "twilio.account");
  EXPECT_EQ(r.clusters[0].severity, Risk::kCritical);
  EXPECT_EQ(r.clusters[0].why(), "full Twilio account; 2 publishers; 2 apps; 1M installs; not checked");
  EXPECT_EQ(r.clusters[0].grants, Grants::kFullAccount);  // the secret part's rule
  EXPECT_EQ(r.clusters[1].rule_id, "slack.webhook_url");
  EXPECT_EQ(r.clusters[1].severity, Risk::kHigh);
  EXPECT_EQ(r.clusters[1].why(), "scoped Slack access; 1 app; live");
  EXPECT_EQ(r.clusters[2].rule_id, "generic.password");
  EXPECT_EQ(r.clusters[2].severity, Risk::kMedium);
  EXPECT_EQ(r.clusters[3].rule_id, "aws.credentials");
  EXPECT_EQ(r.clusters[3].severity, Risk::kLow);
  for (size_t i = 0; i < r.clusters.size(); ++i) EXPECT_EQ(r.clusters[i].rank, i + 1);
  // The Firebase URL is configuration to review, counted apart from the credentials.
  ASSERT_EQ(r.configuration.size(), 1u);
  EXPECT_EQ(r.configuration[0].rule_id, "firebase.database_url");
  EXPECT_EQ(r.configuration[0].severity, Risk::kInfo);
  EXPECT_TRUE(r.configuration[0].public_by_design());
  EXPECT_EQ(r.credentials, 4u);
  EXPECT_EQ(r.severities[Risk::kCritical], 1u);
  // Checked: the live Slack webhook and the revoked AWS pair; the rest were not.
  EXPECT_EQ(r.verification.checked(), 2u);
  EXPECT_EQ(r.verification.not_checked, 2u);
}

TEST(FleetRisk, ClusterSaysWhereAndWhatToDo) {
  FleetReport r = build_report(risk_fleet());
  const Cluster& tw = r.clusters[0];
  ASSERT_EQ(tw.parts.size(), 2u);  // the Account SID names the account
  EXPECT_EQ(tw.parts[0].role, "id");
  EXPECT_EQ(tw.parts[0].redacted, "ACfc…82fe");
  EXPECT_EQ(tw.confidence, Confidence::kHigh);
  EXPECT_EQ(tw.remediation, "Rotate the Auth Token now. Never ship it in an app: keep it on a backend.");
  EXPECT_EQ(tw.references, (std::vector<std::string>{"https://www.twilio.com/docs/iam/api/authtoken"}));
  ASSERT_EQ(tw.apps.size(), 2u);
  const ClusterApp& night = tw.apps[0];
  EXPECT_EQ(night.app_id, "com.night.bus");
  EXPECT_EQ(night.publisher, "Night Bus Ltd");
  EXPECT_EQ(night.signers, (std::vector<std::string>{"sig-night"}));
  ASSERT_EQ(night.locations.size(), 1u);  // one place, in both versions
  EXPECT_EQ(night.locations[0].file, "classes2.dex!strings");
  EXPECT_EQ(night.locations[0].symbol, "com.night.bus.Sms.send()");
  EXPECT_EQ(night.locations[0].versions, (std::vector<std::string>{"2.4.1", "2.4.2"}));
  EXPECT_EQ(night.locations[0].snippet, "com.night.bus.Sms.send() = \"9a23…be54\"");
  const Cluster& pw = r.clusters[2];
  EXPECT_TRUE(pw.apps.empty());
  ASSERT_EQ(pw.other_locations.size(), 1u);
  EXPECT_EQ(pw.other_locations[0].input, "src/Config.java");
  EXPECT_EQ(pw.other_locations[0].file, "");
  EXPECT_EQ(pw.other_locations[0].line, 12u);
  EXPECT_EQ(r.clusters[1].apps[0].locations[0].file, "assets/config.json");
  EXPECT_EQ(r.clusters[1].apps[0].locations[0].line, 4u);
}

// A Google key only where the Maps SDK reads it (manifest meta-data, the Maps resource) is
// configuration to review; one copy in code makes it a leak; Google refusing it for want of the
// app it is bound to makes it configuration wherever it was found.
TEST(FleetRisk, RestrictedGoogleKeysAreConfigurationToReview) {
  FleetData d;
  auto maps = android("com.maps.app", "1.0", "s1");
  auto other = android("com.other.app", "1.0", "s2");
  d.inputs = {{"maps.apk", 1, "ok", "", {}, maps}, {"other.apk", 1, "ok", "", {}, other}};
  auto google = [&](std::string input, AppIdentity app, std::string hash, std::string symbol) {
    FindingRow f = finding(std::move(input), std::move(app), "google.api_key", "google", std::move(hash));
    f.chain = f.input_path + (symbol.starts_with("@") ? "!resources.arsc!values" : "!AndroidManifest.xml");
    f.symbol = std::move(symbol);
    return f;
  };
  FindingRow in_code = finding("other.apk", other, "google.api_key", "google", "h-leak");
  in_code.symbol = "com.other.app.Net.call()";
  FindingRow verified = in_code;
  verified.secret_sha256 = "h-bound";
  verified.verification = "live";
  verified.verification_detail = "valid key, restricted or API not enabled (API_KEY_ANDROID_APP_BLOCKED)";
  d.findings = {google("maps.apk", maps, "h-maps", "com.google.android.geo.API_KEY"),
                google("other.apk", other, "h-maps", "@string/google_maps_key"),
                google("maps.apk", maps, "h-leak", "com.google.android.geo.API_KEY"),
                in_code, verified};
  d.rules["google.api_key"] = {Grants::kScopedWrite, "Restrict or rotate the key.", {}};
  FleetReport r = build_report(d);

  ASSERT_EQ(r.clusters.size(), 1u);
  EXPECT_EQ(r.clusters[0].secret_sha256, "h-leak");
  EXPECT_EQ(r.clusters[0].grants, Grants::kScopedWrite);
  EXPECT_EQ(r.credentials, 1u);
  ASSERT_EQ(r.configuration.size(), 2u);
  for (const Cluster& c : r.configuration) {
    EXPECT_TRUE(c.public_by_design()) << c.secret_sha256;
    EXPECT_EQ(c.severity, Risk::kInfo) << c.secret_sha256;
    EXPECT_EQ(c.remediation, "Restrict or rotate the key.");  // the rule's, which says what to check
  }
  // Live sorts first; each says why it is not a leak and what to check.
  EXPECT_EQ(r.configuration[0].secret_sha256, "h-bound");
  EXPECT_EQ(r.configuration[0].why(), "Google key restricted to an app, site or IP: check the "
                                      "restrictions in the Cloud console; 1 app; live");
  EXPECT_EQ(r.configuration[1].secret_sha256, "h-maps");
  EXPECT_EQ(r.configuration[1].why(), "Google key declared for the app's Maps/Firebase SDK: check its "
                                      "restrictions in the Cloud console; 2 signers; 2 apps; not checked");
  auto j = report_json(r, std::nullopt);
  EXPECT_EQ(j["configuration"][1]["grants"], "public-config");
  EXPECT_EQ(j["configuration"][1]["public_by_design"], true);
  EXPECT_EQ(j["summary"]["configuration_values"], 2);
}

TEST(FleetRisk, FiltersCountWhatTheyHide) {
  ReportFilter f;
  f.disabled_rules = {"generic.*"};
  f.min_confidence = Confidence::kMedium;
  FleetReport r = build_report(risk_fleet(), f);
  EXPECT_EQ(r.clusters.size(), 3u);  // the password is disabled
  EXPECT_TRUE(r.configuration.empty());  // the URL is low confidence
  EXPECT_EQ(r.hidden.clusters, 2u);
  EXPECT_EQ(r.hidden.findings_by["disable-rule"], 1u);
  EXPECT_EQ(r.hidden.findings_by["min-confidence"], 1u);
  EXPECT_EQ(r.hidden.findings, 2u);

  ReportFilter sev;
  sev.min_severity = Risk::kHigh;
  r = build_report(risk_fleet(), sev);
  ASSERT_EQ(r.clusters.size(), 2u);
  EXPECT_EQ(r.hidden.clusters, 3u);
  EXPECT_EQ(r.hidden.findings_by["min-severity"], 3u);

  // A pair goes by its own id, or when every part's rule is disabled; one part is not enough.
  FindingRow pair = risk_fleet().findings[0];
  EXPECT_TRUE(rule_disabled(pair, {"twilio.account"}));
  EXPECT_FALSE(rule_disabled(pair, {"twilio.account_sid"}));
  EXPECT_TRUE(rule_disabled(pair, {"twilio.account_sid", "twilio.auth_token"}));
}

TEST(FleetRisk, ByPublisherWorstFirstWithSignersWhenNoneIsKnown) {
  FleetReport r = build_report(risk_fleet());
  ASSERT_EQ(r.publishers.size(), 3u);
  // Night Bus and OtherCorp hold the critical Twilio pair (rank 1); Night Bus has more installs
  // but the tie goes by how many credentials each holds, then name: OtherCorp also has AWS.
  EXPECT_EQ(r.publishers[0].name, "OtherCorp");
  EXPECT_EQ(r.publishers[0].worst, Risk::kCritical);
  EXPECT_EQ(r.publishers[0].clusters.size(), 2u);
  EXPECT_EQ(r.publishers[1].name, "Night Bus Ltd");
  EXPECT_EQ(r.publishers[1].apps[0].versions, (std::vector<std::string>{"2.4.1", "2.4.2"}));
  EXPECT_EQ(r.publishers[1].installs, 1'000'000);
  // No metadata for com.lone.app: its signing certificate stands for the publisher.
  EXPECT_EQ(r.publishers[2].kind, "signer");
  EXPECT_EQ(r.publishers[2].name, "signer sig-lone");
  EXPECT_EQ(r.publishers[2].worst, Risk::kHigh);
  EXPECT_EQ(r.publishers[2].configuration.size(), 1u);
}

TEST(FleetRisk, EmptyStoreSaysSo) {
  FleetReport r = build_report(FleetData{});
  EXPECT_NE(r.notice.find("no scanned input"), std::string::npos);
  auto j = report_json(r, std::nullopt);
  EXPECT_EQ(j["notice"], r.notice);
  EXPECT_EQ(j["clusters"].size(), 0u);
  EXPECT_NE(report_text(r, std::nullopt).find("no scanned input"), std::string::npos);
  FleetData clean;
  clean.inputs = {{"apps/a.apk", 1, "ok", "", {}, android("a.b.c", "1", "s")}};
  EXPECT_NE(build_report(clean).notice.find("No credential was found in the 1 inputs"), std::string::npos);
}

TEST(FleetOutput, JsonTextAndCsvCarryTheTriage) {
  FleetReport r = build_report(risk_fleet());
  OutputOptions o;
  auto j = report_json(r, std::nullopt, o);
  EXPECT_EQ(j["schema"], "keysweep-fleet-report/2");
  EXPECT_EQ(j["clusters"][0]["severity"], "critical");
  EXPECT_EQ(j["clusters"][0]["parts"][0]["redacted"], "ACfc…82fe");
  EXPECT_EQ(j["clusters"][0]["apps"][0]["locations"][0]["symbol"], "com.night.bus.Sms.send()");
  EXPECT_EQ(j["configuration"][0]["rule_id"], "firebase.database_url");
  EXPECT_EQ(j["summary"]["checked_credentials"], 2);
  EXPECT_EQ(j["verification"]["not_checked"], 2);
  EXPECT_FALSE(j.contains("by_publisher"));
  o.view = "publisher";
  EXPECT_EQ(report_json(r, std::nullopt, o)["by_publisher"][0]["credentials"][0]["rank"], 1);

  std::string text = report_text(r, std::nullopt);
  EXPECT_NE(text.find("#1  CRITICAL  full Twilio account; 2 publishers"), std::string::npos) << text;
  EXPECT_NE(text.find("parts:   id ACfc…82fe  (twilio.account_sid)"), std::string::npos) << text;
  // The whole remediation, not only its first sentence.
  EXPECT_NE(text.find("Rotate the Auth Token now. Never ship it in an app: keep it on a backend."),
            std::string::npos) << text;
  EXPECT_NE(text.find("Configuration to review: 1 public-by-design value"), std::string::npos);
  EXPECT_NE(report_text(r, std::nullopt, o).find("OtherCorp  (publisher; 1 app, 5,000 installs; worst: critical)"),
            std::string::npos) << report_text(r, std::nullopt, o);

  std::string csv = report_csv(r);
  auto header = csv.substr(0, csv.find("\r\n"));
  for (const char* col : {"app_package", "app_versions", "app_signers", "publisher", "severity", "why"})
    EXPECT_NE(header.find(col), std::string::npos) << col;
  // One row per credential and app: Twilio in 2 apps, Slack, the password, AWS, the URL.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 + 1 + 1 + 1 + 1);
  EXPECT_NE(csv.find("credential,1,critical,"), std::string::npos);
  EXPECT_NE(csv.find("com.night.bus,2.4.1; 2.4.2,sig-night,Night Bus Ltd,1000000"), std::string::npos) << csv;
}

// --top N limits the publisher view as it limits the clusters: the N worst publishers, each
// with its N most urgent credentials, and says how many more there are.
TEST(FleetOutput, TopLimitsEachPublisherAndThePublishersShown) {
  FleetReport r = build_report(risk_fleet());
  ASSERT_EQ(r.publishers.size(), 3u);
  ASSERT_EQ(r.publishers[0].clusters.size(), 2u);  // OtherCorp: Twilio and AWS
  OutputOptions o;
  o.view = "publisher";
  o.max_clusters = 1;
  auto j = report_json(r, std::nullopt, o);
  EXPECT_EQ(j["by_publisher_count"], 3);
  EXPECT_EQ(j["by_publisher_listed"], 1);
  ASSERT_EQ(j["by_publisher"].size(), 1u);
  const auto& first = j["by_publisher"][0];
  EXPECT_EQ(first["publisher"], "OtherCorp");
  EXPECT_EQ(first["credential_count"], 2);
  EXPECT_EQ(first["credentials_listed"], 1);
  ASSERT_EQ(first["credentials"].size(), 1u);
  EXPECT_EQ(first["credentials"][0]["rank"], 1);

  std::string text = report_text(r, std::nullopt, o);
  EXPECT_NE(text.find("  and 1 more credential (--top 0 lists all)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("and 2 more publishers (--top 0 lists all)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("Night Bus Ltd  ("), std::string::npos) << text;

  std::string csv = report_csv(r, o);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 1);  // the header, OtherCorp's Twilio app
  EXPECT_EQ(csv.find("Night Bus Ltd"), std::string::npos) << csv;

  o.max_clusters = 0;  // all: nothing said to be left out
  j = report_json(r, std::nullopt, o);
  EXPECT_EQ(j["by_publisher_listed"], 3);
  EXPECT_EQ(j["by_publisher"][0]["credentials_listed"], 2);
  EXPECT_EQ(report_text(r, std::nullopt, o).find("more publisher"), std::string::npos);
}

// Issue 17: a guessable secret's hash is an HMAC under the scanning user's key; every output says
// so (secret_hmac_sha256, "hmac:", "hmac-sha256:") so that nobody takes it for a SHA-256.
TEST(FleetOutput, KeyedHashesAreNamedAsSuch) {
  FleetData d = risk_fleet();
  for (FindingRow& f : d.findings)
    if (f.rule_id == "generic.password") f.secret_hash_keyed = true;
  FleetReport r = build_report(d);
  auto j = report_json(r, std::nullopt, OutputOptions{});
  size_t keyed = 0, plain = 0;
  for (const auto& c : j["clusters"]) {
    const bool is_pw = c["rule_id"] == "generic.password";
    EXPECT_EQ(c.contains("secret_hmac_sha256"), is_pw) << c.dump();
    EXPECT_EQ(c.contains("secret_sha256"), !is_pw) << c.dump();
    (is_pw ? keyed : plain) += 1;
  }
  EXPECT_EQ(keyed, 1u);
  EXPECT_GT(plain, 0u);
  EXPECT_NE(report_text(r, std::nullopt).find("hmac:h-pw"), std::string::npos);
  EXPECT_NE(report_csv(r).find(",hmac-sha256:h-pw,"), std::string::npos) << report_csv(r);
}

// Honest counts: nothing checked is never shown as "0 live".
TEST(FleetOutput, NothingCheckedIsNotZeroLive) {
  FleetReport r = build_report(sample());  // one AWS finding is live
  FleetData d = sample();
  for (auto& f : d.findings) f.verification = "not_checked";
  d.metadata.clear();
  r = build_report(d);
  std::string text = report_text(r, std::nullopt);
  EXPECT_NE(text.find("verified:  nothing checked (0 of 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("at risk:   not known: no credential was checked"), std::string::npos) << text;
  EXPECT_NE(text.find("installs:  not known: no metadata"), std::string::npos) << text;
  std::string page = report_html(report_json(r, std::nullopt));
  EXPECT_NE(page.find("\"not checked\""), std::string::npos);
}

}  // namespace
}  // namespace keysweep::fleet
