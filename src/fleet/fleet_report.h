// The fleet report: what no single scan shows. Findings are grouped into credential clusters
// (one secret under one rule, wherever it was found) with the apps, versions, signing
// certificates and publishers that hold it, where in each app it lives (the app's own code or an
// SDK's; class and method, resource name, file), and how many users the apps reach. Clusters are
// in risk order (core/risk.h: what the credential grants, confidence, verification, reach), each
// saying why and what to do; public-by-design configuration is listed apart. Every list is
// sorted, so two reports over the same stored findings are equal byte for byte (a sharded scan
// compares with a single one).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/risk.h"
#include "fleet/fleet_data.h"

namespace keysweep::fleet {

// Where in an app a credential lives: "app" (the app's own code or resources), "sdk:<package>"
// (DEX code outside the app's package: the first three labels of the class's package), or
// "none" (not inside an identified app: a source file, a loose binary, a damaged APK).
// Uses f.code_package, or when that is empty derives it like code_package_from().
std::string holder_of(const FindingRow& f);

// The package of the DEX class a symbol names ("com.twilio.sdk.Client.send()" in
// "x.apk!classes2.dex!strings" -> "com.twilio.sdk"); "" when the chain has no DEX or the symbol
// names no class ("dex string #12").
std::string code_package_from(std::string_view chain, std::string_view symbol);

// Where in one app (or one input outside apps) a credential was found.
struct ClusterLocation {
  std::string input;   // the file on disk (kept for locations outside apps; "" inside an app)
  std::string file;    // the entry inside the input ("classes2.dex!strings"); "" for the input itself
  std::string symbol;  // "com.example.sms.TwilioClient.send()", "@string/aws_key", "Info.plist:KEY"
  uint32_t line = 0;
  std::string snippet;  // redacted
  std::vector<std::string> versions;  // inside an app: the versions holding it there
};

struct ClusterApp {
  std::string app_id;  // package name / bundle id
  std::vector<std::string> versions;
  std::vector<std::string> signers;
  std::string publisher;  // "" when no metadata names one
  std::optional<int64_t> installs;
  std::string store;
  std::vector<ClusterLocation> locations;  // by file, symbol, line
};

// A pair's part, redacted: a Twilio pair shows its Account SID, which names the account.
struct ClusterPart {
  std::string role, rule_id, redacted;
};

struct Cluster {
  std::string rule_id, rule_name, provider, secret_sha256, redacted;
  bool secret_hash_keyed = false;  // secret_sha256 is an HMAC (Finding::secret_hash_keyed)
  std::string verification;  // the best status seen: live > revoked > unknown > not_checked
  uint64_t findings = 0;     // occurrences
  std::vector<std::string> inputs;  // files on disk holding it
  // The decoder chains that revealed its occurrences ("base64>hex"), sorted; "" for an
  // occurrence in clear is not listed, so an empty list means every one was in clear.
  std::vector<std::string> decoders;
  std::vector<ClusterApp> apps;  // only findings inside an app with a package name count
  uint64_t versions = 0;  // distinct (app, version)
  std::vector<std::string> signers, publishers, holders;
  bool multiple_signers = false;    // one secret under several signing certificates
  bool multiple_publishers = false;
  int64_t installs = 0;             // sum over apps with a known install count
  uint64_t apps_without_installs = 0;

  // Risk (core/risk.h): what it grants (the rule of the secret part, for a pair), the best
  // confidence of its occurrences, the severity that gives with its status and reach, and why.
  Grants grants = kDefaultGrants;
  Confidence confidence = Confidence::kLow;
  Risk severity = Risk::kMedium;
  std::vector<std::string> reasons;  // "full Twilio account", "2 publishers", "5 apps", "live"
  size_t rank = 0;  // 1-based place in its list (clusters or configuration), in risk order
  std::vector<ClusterPart> parts;    // a pair's parts in role order
  std::vector<ClusterLocation> other_locations;  // occurrences outside any identified app
  std::string remediation;
  std::vector<std::string> references;
  bool public_by_design() const { return grants == Grants::kPublicConfig; }
  std::string why() const;
};

struct ProviderCount {
  std::string provider;
  uint64_t credentials = 0, findings = 0, apps = 0, live_credentials = 0, live_apps = 0;
};

struct HolderCount {
  std::string holder;
  uint64_t credentials = 0, apps = 0;
};

struct ProblemInput {
  std::string path, status, reason;
  std::vector<std::string> kinds;
};

struct UsersAtRisk {
  // Sum of installs of the distinct apps holding at least one credential verified live.
  int64_t live = 0;
  uint64_t live_apps = 0, live_apps_without_installs = 0;
  // The same over every credential found, verified or not: an upper bound.
  int64_t any = 0;
  uint64_t any_apps = 0, any_apps_without_installs = 0;
};

// Credentials by verification status: "0 live" means something only when `checked` is not 0.
struct VerificationTally {
  uint64_t live = 0, revoked = 0, unknown = 0, not_checked = 0;
  uint64_t checked() const { return live + revoked + unknown; }
};

// What --disable-rule, --min-confidence and --min-severity left out of a report.
struct ReportFilter {
  std::vector<std::string> disabled_rules;  // ids or globs; a pair by its id or all of its parts
  std::optional<Confidence> min_confidence;  // findings below it are left out
  std::optional<Risk> min_severity;          // clusters below it are left out
  bool active() const {
    return !disabled_rules.empty() || min_confidence.has_value() || min_severity.has_value();
  }
};

struct HiddenCounts {
  uint64_t clusters = 0;  // credentials and configuration values left out entirely
  uint64_t findings = 0;
  std::map<std::string, uint64_t> findings_by;  // "disable-rule", "min-confidence", "min-severity"
};

// One publisher (or, when no metadata names one, one signing certificate; or, for an unsigned
// app without metadata, the app itself): its apps and every credential they hold, in risk order,
// so an app store or a CERT can send one message per publisher.
struct PublisherView {
  std::string kind;  // "publisher" | "signer" | "app"
  std::string id;    // the publisher's name, the certificate's SHA-256, or the app id
  std::string name;  // for display: the publisher, "signer 165ec303ff75e294", "app com.x.y"
  struct App {
    std::string app_id;
    std::vector<std::string> versions;
    std::optional<int64_t> installs;
  };
  std::vector<App> apps;  // by app id
  int64_t installs = 0;
  uint64_t apps_without_installs = 0;
  // Indices into FleetReport::clusters / ::configuration (risk order), with the publisher's
  // apps that hold each.
  std::vector<std::pair<size_t, std::vector<std::string>>> clusters, configuration;
  Risk worst = Risk::kInfo;
};

struct FleetReport {
  uint64_t inputs = 0, app_inputs = 0, apps = 0, findings = 0, bytes = 0;
  uint64_t credentials = 0, reused_credentials = 0, multi_signer_credentials = 0;
  uint64_t live_credentials = 0;
  VerificationTally verification;          // over credentials (not configuration)
  std::map<Risk, uint64_t> severities;     // credentials by severity
  std::vector<ProviderCount> providers;
  std::vector<HolderCount> holders;
  UsersAtRisk users_at_risk;
  std::vector<Cluster> clusters;       // credentials, in risk order (most urgent first)
  std::vector<Cluster> configuration;  // public-by-design values to review, in risk order
  std::vector<PublisherView> publishers;  // worst first
  // Inputs not read (status "error"), read in part ("partial"), or named like an app package
  // (.apk, .ipa, ...) but holding no app ("not-an-app"), by path.
  std::vector<ProblemInput> problems;
  ReportFilter filter;
  HiddenCounts hidden;
  // Said at the top of every format when there is little to show: an empty datastore, or one
  // whose inputs hold no credential.
  std::string notice;
};

// Whether a stored finding is one of a disabled rule: its rule id (a pair's id included) matches
// a glob, or, for a pair, every part's rule id does (like `scan --disable-rule`).
bool rule_disabled(const FindingRow& f, const std::vector<std::string>& globs);

// Orders clusters most urgent first: severity, verification (live > unknown > not checked >
// revoked), grants, confidence, publishers, signers, apps, installs, findings, then provider,
// rule and hash so the order is total.
bool risk_before(const Cluster& a, const Cluster& b);

FleetReport build_report(const FleetData& data, const ReportFilter& filter = {});

}  // namespace keysweep::fleet
