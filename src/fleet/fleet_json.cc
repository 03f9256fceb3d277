#include "fleet/fleet_output.h"

#include <algorithm>
#include <span>

namespace keysweep::fleet {

namespace {

using Json = nlohmann::ordered_json;

// A JSON array of `items`, each written by `to_json`. The objects are written as initializer
// lists: ordered_json keeps their keys in the order listed, which is the schema's (docs/FLEET.md).
template <typename Range, typename ToJson>
Json array_of(const Range& items, ToJson to_json) {
  Json a = Json::array();
  for (const auto& item : items) a.push_back(to_json(item));
  return a;
}

Json installs_json(const std::optional<int64_t>& n) { return n ? Json(*n) : Json(nullptr); }

Json cluster_app_json(const ClusterApp& a) {
  return {{"app_id", a.app_id},       {"versions", a.versions},
          {"signers", a.signers},     {"publisher", a.publisher},
          {"installs", installs_json(a.installs)}, {"store", a.store}};
}

Json cluster_json(const Cluster& c) {
  return {{"rule_id", c.rule_id},
          {"rule_name", c.rule_name},
          {"provider", c.provider},
          {"secret_sha256", c.secret_sha256},
          {"redacted", c.redacted},
          {"verification", c.verification},
          {"findings", c.findings},
          {"app_count", c.apps.size()},
          {"versions", c.versions},
          {"signer_count", c.signers.size()},
          {"publisher_count", c.publishers.size()},
          {"multiple_signers", c.multiple_signers},
          {"multiple_publishers", c.multiple_publishers},
          {"holders", c.holders},
          {"installs", c.installs},
          {"apps_without_installs", c.apps_without_installs},
          {"signers", c.signers},
          {"publishers", c.publishers},
          {"apps", array_of(c.apps, cluster_app_json)},
          {"inputs", c.inputs},
          {"decoders", c.decoders}};
}

Json summary_json(const FleetReport& r) {
  return {{"inputs", r.inputs},
          {"app_inputs", r.app_inputs},
          {"apps", r.apps},
          {"bytes", r.bytes},
          {"findings", r.findings},
          {"credentials", r.credentials},
          {"reused_credentials", r.reused_credentials},
          {"multi_signer_credentials", r.multi_signer_credentials},
          {"live_credentials", r.live_credentials},
          {"problem_inputs", r.problems.size()}};
}

Json users_at_risk_json(const UsersAtRisk& u) {
  return {{"live_installs", u.live},
          {"live_apps", u.live_apps},
          {"live_apps_without_installs", u.live_apps_without_installs},
          {"all_installs", u.any},
          {"all_apps", u.any_apps},
          {"all_apps_without_installs", u.any_apps_without_installs}};
}

Json provider_json(const ProviderCount& p) {
  return {{"provider", p.provider},   {"credentials", p.credentials},
          {"findings", p.findings},   {"apps", p.apps},
          {"live_credentials", p.live_credentials}, {"live_apps", p.live_apps}};
}

Json holder_json(const HolderCount& h) {
  return {{"holder", h.holder}, {"credentials", h.credentials}, {"apps", h.apps}};
}

Json problem_json(const ProblemInput& p) {
  return {{"path", p.path}, {"status", p.status}, {"kinds", p.kinds}, {"reason", p.reason}};
}

Json run_json(const ReportRun& run) {
  return {{"generated_at", run.generated_at},
          {"datastore", run.datastore},
          {"tool_version", run.tool_version},
          {"scan_runs", run.scan_runs},
          {"first_scan_started", run.first_scan_started},
          {"last_scan_finished", run.last_scan_finished}};
}

}  // namespace

Json report_json(const FleetReport& r, const std::optional<ReportRun>& run, size_t max_clusters) {
  const size_t n = max_clusters ? std::min(max_clusters, r.clusters.size()) : r.clusters.size();
  Json j = {{"schema", kReportSchema},
            {"summary", summary_json(r)},
            {"users_at_risk", users_at_risk_json(r.users_at_risk)},
            {"providers", array_of(r.providers, provider_json)},
            {"holders", array_of(r.holders, holder_json)},
            {"clusters_listed", n},
            {"clusters", array_of(std::span(r.clusters).first(n), cluster_json)},
            {"problem_inputs", array_of(r.problems, problem_json)}};
  if (run) j["run"] = run_json(*run);
  return j;
}

}  // namespace keysweep::fleet
