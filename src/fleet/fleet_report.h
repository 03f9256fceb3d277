// The fleet report: what no single scan shows. Findings are grouped into credential clusters
// (one secret under one rule, wherever it was found) with the apps, versions, signing
// certificates and publishers that hold it, where in the app it lives (the app's own code or an
// SDK's), and how many users the apps reach. Every list is sorted, so two reports over the same
// stored findings are equal byte for byte (a sharded scan compares with a single one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

struct ClusterApp {
  std::string app_id;  // package name / bundle id
  std::vector<std::string> versions;
  std::vector<std::string> signers;
  std::string publisher;  // "" when no metadata names one
  std::optional<int64_t> installs;
  std::string store;
};

struct Cluster {
  std::string rule_id, rule_name, provider, secret_sha256, redacted;
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

struct FleetReport {
  uint64_t inputs = 0, app_inputs = 0, apps = 0, findings = 0, bytes = 0;
  uint64_t credentials = 0, reused_credentials = 0, multi_signer_credentials = 0;
  uint64_t live_credentials = 0;
  std::vector<ProviderCount> providers;
  std::vector<HolderCount> holders;
  UsersAtRisk users_at_risk;
  std::vector<Cluster> clusters;  // most apps first
  // Inputs not read (status "error"), read in part ("partial"), or named like an app package
  // (.apk, .ipa, ...) but holding no app ("not-an-app"), by path.
  std::vector<ProblemInput> problems;
};

FleetReport build_report(const FleetData& data);

}  // namespace keysweep::fleet
