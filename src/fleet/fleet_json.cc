#include "fleet/fleet_output.h"

namespace keysweep::fleet {

namespace {

using Json = nlohmann::ordered_json;

Json strings(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

Json installs_json(const std::optional<int64_t>& n) { return n ? Json(*n) : Json(nullptr); }

Json cluster_json(const Cluster& c) {
  Json j;
  j["rule_id"] = c.rule_id;
  j["rule_name"] = c.rule_name;
  j["provider"] = c.provider;
  j["secret_sha256"] = c.secret_sha256;
  j["redacted"] = c.redacted;
  j["verification"] = c.verification;
  j["findings"] = c.findings;
  j["app_count"] = c.apps.size();
  j["versions"] = c.versions;
  j["signer_count"] = c.signers.size();
  j["publisher_count"] = c.publishers.size();
  j["multiple_signers"] = c.multiple_signers;
  j["multiple_publishers"] = c.multiple_publishers;
  j["holders"] = strings(c.holders);
  j["installs"] = c.installs;
  j["apps_without_installs"] = c.apps_without_installs;
  j["signers"] = strings(c.signers);
  j["publishers"] = strings(c.publishers);
  Json apps = Json::array();
  for (const auto& a : c.apps) {
    Json x;
    x["app_id"] = a.app_id;
    x["versions"] = strings(a.versions);
    x["signers"] = strings(a.signers);
    x["publisher"] = a.publisher;
    x["installs"] = installs_json(a.installs);
    x["store"] = a.store;
    apps.push_back(std::move(x));
  }
  j["apps"] = std::move(apps);
  j["inputs"] = strings(c.inputs);
  return j;
}

}  // namespace

Json report_json(const FleetReport& r, const std::optional<ReportRun>& run, size_t max_clusters) {
  Json j;
  j["schema"] = kReportSchema;
  Json s;
  s["inputs"] = r.inputs;
  s["app_inputs"] = r.app_inputs;
  s["apps"] = r.apps;
  s["bytes"] = r.bytes;
  s["findings"] = r.findings;
  s["credentials"] = r.credentials;
  s["reused_credentials"] = r.reused_credentials;
  s["multi_signer_credentials"] = r.multi_signer_credentials;
  s["live_credentials"] = r.live_credentials;
  s["problem_inputs"] = r.problems.size();
  j["summary"] = std::move(s);

  Json u;
  u["live_installs"] = r.users_at_risk.live;
  u["live_apps"] = r.users_at_risk.live_apps;
  u["live_apps_without_installs"] = r.users_at_risk.live_apps_without_installs;
  u["all_installs"] = r.users_at_risk.any;
  u["all_apps"] = r.users_at_risk.any_apps;
  u["all_apps_without_installs"] = r.users_at_risk.any_apps_without_installs;
  j["users_at_risk"] = std::move(u);

  Json providers = Json::array();
  for (const auto& p : r.providers) {
    Json x;
    x["provider"] = p.provider;
    x["credentials"] = p.credentials;
    x["findings"] = p.findings;
    x["apps"] = p.apps;
    x["live_credentials"] = p.live_credentials;
    x["live_apps"] = p.live_apps;
    providers.push_back(std::move(x));
  }
  j["providers"] = std::move(providers);

  Json holders = Json::array();
  for (const auto& h : r.holders) {
    Json x;
    x["holder"] = h.holder;
    x["credentials"] = h.credentials;
    x["apps"] = h.apps;
    holders.push_back(std::move(x));
  }
  j["holders"] = std::move(holders);

  Json clusters = Json::array();
  const size_t n = max_clusters ? std::min(max_clusters, r.clusters.size()) : r.clusters.size();
  for (size_t i = 0; i < n; ++i) clusters.push_back(cluster_json(r.clusters[i]));
  j["clusters_listed"] = n;
  j["clusters"] = std::move(clusters);

  Json problems = Json::array();
  for (const auto& p : r.problems) {
    Json x;
    x["path"] = p.path;
    x["status"] = p.status;
    x["kinds"] = strings(p.kinds);
    x["reason"] = p.reason;
    problems.push_back(std::move(x));
  }
  j["problem_inputs"] = std::move(problems);

  if (run) {
    Json x;
    x["generated_at"] = run->generated_at;
    x["datastore"] = run->datastore;
    x["tool_version"] = run->tool_version;
    x["scan_runs"] = run->scan_runs;
    x["first_scan_started"] = run->first_scan_started;
    x["last_scan_finished"] = run->last_scan_finished;
    j["run"] = std::move(x);
  }
  return j;
}

}  // namespace keysweep::fleet
