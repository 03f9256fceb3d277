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
  EXPECT_EQ(report_json(build_report(d), std::nullopt, 1)["clusters"].size(), 1u);
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
  // Nothing is fetched: no external scripts, styles, images or fonts.
  for (const char* bad : {"<script src", "<link", "<img", "url(", "@import", "https://"})
    EXPECT_EQ(page.find(bad), std::string::npos) << bad;
}

}  // namespace
}  // namespace keysweep::fleet
