#include <algorithm>
#include <span>

#include "core/secret.h"
#include "fleet/fleet_output.h"

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

Json location_json(const ClusterLocation& l) {
  return {{"file", l.file},
          {"symbol", l.symbol},
          {"line", l.line},
          {"snippet", l.snippet},
          {"versions", l.versions}};
}

Json other_location_json(const ClusterLocation& l) {
  return {{"input", l.input},
          {"file", l.file},
          {"symbol", l.symbol},
          {"line", l.line},
          {"snippet", l.snippet}};
}

Json cluster_app_json(const ClusterApp& a) {
  return {{"app_id", a.app_id},
          {"versions", a.versions},
          {"signers", a.signers},
          {"publisher", a.publisher},
          {"installs", installs_json(a.installs)},
          {"store", a.store},
          {"locations", array_of(a.locations, location_json)}};
}

Json part_json(const ClusterPart& p) {
  return {{"role", p.role}, {"rule_id", p.rule_id}, {"redacted", p.redacted}};
}

Json cluster_json(const Cluster& c) {
  return {{"rank", c.rank},
          {"severity", risk_name(c.severity)},
          {"why", c.why()},
          {"reasons", c.reasons},
          {"grants", grants_name(c.grants)},
          {"public_by_design", c.public_by_design()},
          {"rule_id", c.rule_id},
          {"rule_name", c.rule_name},
          {"provider", c.provider},
          {secret_hash_field(c.secret_hash_keyed), c.secret_sha256},
          {"redacted", c.redacted},
          {"parts", array_of(c.parts, part_json)},
          {"confidence", confidence_name(c.confidence)},
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
          {"other_locations", array_of(c.other_locations, other_location_json)},
          {"inputs", c.inputs},
          {"decoders", c.decoders},
          {"remediation", c.remediation},
          {"references", c.references}};
}

Json summary_json(const FleetReport& r) {
  return {{"inputs", r.inputs},
          {"app_inputs", r.app_inputs},
          {"apps", r.apps},
          {"bytes", r.bytes},
          {"findings", r.findings},
          {"credentials", r.credentials},
          {"configuration_values", r.configuration.size()},
          {"reused_credentials", r.reused_credentials},
          {"multi_signer_credentials", r.multi_signer_credentials},
          {"checked_credentials", r.verification.checked()},
          {"live_credentials", r.live_credentials},
          {"problem_inputs", r.problems.size()}};
}

Json verification_json(const VerificationTally& v) {
  return {{"checked", v.checked()},
          {"live", v.live},
          {"revoked", v.revoked},
          {"unknown", v.unknown},
          {"not_checked", v.not_checked}};
}

Json severities_json(const FleetReport& r) {
  Json j = Json::object();
  for (Risk s : {Risk::kCritical, Risk::kHigh, Risk::kMedium, Risk::kLow}) {
    auto it = r.severities.find(s);
    j[risk_name(s)] = it == r.severities.end() ? 0 : it->second;
  }
  return j;
}

Json filters_json(const FleetReport& r) {
  const ReportFilter& f = r.filter;
  Json by = Json::object();
  for (const auto& [how, n] : r.hidden.findings_by) by[how] = n;
  return {{"disabled_rules", f.disabled_rules},
          {"min_confidence", f.min_confidence ? Json(confidence_name(*f.min_confidence)) : Json(nullptr)},
          {"min_severity", f.min_severity ? Json(risk_name(*f.min_severity)) : Json(nullptr)},
          {"hidden_clusters", r.hidden.clusters},
          {"hidden_findings", r.hidden.findings},
          {"hidden_findings_by", std::move(by)}};
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

Json publisher_json(const FleetReport& r, const PublisherView& v, const OutputOptions& options) {
  auto entry = [](const Cluster& c, const std::vector<std::string>& apps) {
    return Json{{"rank", c.rank},
                {"severity", risk_name(c.severity)},
                {"why", c.why()},
                {"provider", c.provider},
                {"rule_id", c.rule_id},
                {"redacted", c.redacted},
                {secret_hash_field(c.secret_hash_keyed), c.secret_sha256},
                {"verification", c.verification},
                {"apps", apps}};
  };
  const size_t n = listed_under_top(v.clusters.size(), options),
               m = listed_under_top(v.configuration.size(), options);
  Json creds = Json::array(), config = Json::array();
  for (const auto& [i, apps] : std::span(v.clusters).first(n)) creds.push_back(entry(r.clusters[i], apps));
  for (const auto& [i, apps] : std::span(v.configuration).first(m))
    config.push_back(entry(r.configuration[i], apps));
  return {{"publisher", v.name},
          {"kind", v.kind},
          {"id", v.id},
          {"worst_severity", v.clusters.empty() ? Json(nullptr) : Json(risk_name(v.worst))},
          {"installs", v.installs},
          {"apps_without_installs", v.apps_without_installs},
          {"apps", array_of(v.apps,
                            [](const PublisherView::App& a) {
                              return Json{{"app_id", a.app_id},
                                          {"versions", a.versions},
                                          {"installs", installs_json(a.installs)}};
                            })},
          {"credential_count", v.clusters.size()},
          {"credentials_listed", n},
          {"credentials", std::move(creds)},
          {"configuration_count", v.configuration.size()},
          {"configuration_listed", m},
          {"configuration", std::move(config)}};
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

Json report_json(const FleetReport& r, const std::optional<ReportRun>& run,
                 const OutputOptions& options) {
  const size_t n = listed_under_top(r.clusters.size(), options),
               m = listed_under_top(r.configuration.size(), options);
  Json j = {{"schema", kReportSchema},
            {"view", options.view},
            {"notice", r.notice},
            {"summary", summary_json(r)},
            {"verification", verification_json(r.verification)},
            {"severities", severities_json(r)},
            {"users_at_risk", users_at_risk_json(r.users_at_risk)},
            {"filters", filters_json(r)},
            {"providers", array_of(r.providers, provider_json)},
            {"holders", array_of(r.holders, holder_json)},
            {"clusters_listed", n},
            {"clusters", array_of(std::span(r.clusters).first(n), cluster_json)},
            {"configuration_listed", m},
            {"configuration", array_of(std::span(r.configuration).first(m), cluster_json)}};
  if (options.view == "publisher" || options.publishers) {
    const size_t p = listed_under_top(r.publishers.size(), options);
    j["by_publisher_count"] = r.publishers.size();
    j["by_publisher_listed"] = p;
    j["by_publisher"] = array_of(std::span(r.publishers).first(p), [&](const PublisherView& v) {
      return publisher_json(r, v, options);
    });
  }
  j["problem_inputs"] = array_of(r.problems, problem_json);
  if (run) j["run"] = run_json(*run);
  return j;
}

}  // namespace keysweep::fleet
