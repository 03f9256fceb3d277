#include "report/finding_json.h"

#include "core/secret.h"
#include "report/risk_order.h"

namespace keysweep {

std::string json_text(std::string_view bytes) {
  return is_valid_utf8(bytes) ? std::string(bytes) : printable_utf8(bytes);
}

namespace {

Json location_json(const Location& loc) {
  Json chain = Json::array();
  for (const auto& link : loc.chain) chain.push_back(json_text(link));
  Json j;
  j["path"] = loc.chain.empty() ? std::string() : json_text(loc.chain.front());
  j["chain"] = std::move(chain);
  j["display_path"] = json_text(loc.display_path());
  j["symbol"] = json_text(loc.symbol);
  j["offset"] = loc.offset;
  j["line"] = loc.line;
  j["column"] = loc.column;
  if (!loc.git.empty()) j["git"] = git_json(loc.git);
  if (!loc.decoders.empty()) j["decoders"] = loc.decoders;  // only for decoded secrets
  return j;
}

Json finding_object(const Finding& f, const Rule* rule, const ReportOptions& options, bool whole);

}  // namespace

Json git_json(const GitOrigin& g) {
  Json j;
  j["commit"] = g.commit;  // "" when staged
  j["staged"] = g.staged;
  j["author"] = json_text(g.author);
  j["date"] = g.staged ? std::string() : g.iso_time();
  j["time"] = g.time;
  j["path"] = json_text(g.path);
  return j;
}

Json app_json(const AppIdentity& app) {
  Json j;
  j["platform"] = json_text(app.platform);
  j["package"] = json_text(app.package);
  j["version"] = json_text(app.version);
  j["signer_sha256"] = json_text(app.signer_sha256);
  if (!app.team_id.empty()) j["team_id"] = json_text(app.team_id);  // iOS only
  return j;
}

Json finding_json(const Finding& f, const Rule* rule, const ReportOptions& options) {
  return finding_object(f, rule, options, true);
}

namespace {

// `whole`: a finding as reported; a pair's part (not whole) has no severity of its own.
Json finding_object(const Finding& f, const Rule* rule, const ReportOptions& options, bool whole) {
  Json j;
  j["rule_id"] = f.rule_id;
  j["rule_name"] = f.rule_name;
  j["provider"] = f.provider;
  j["confidence"] = confidence_name(f.confidence);
  if (whole) {
    RiskAssessment risk = finding_risk(f, rule);
    j["severity"] = risk_name(risk.severity);
    j["why"] = risk.why();
  }
  if (!f.signals.empty()) j["signals"] = f.signals;
  if (options.show_secrets) j["secret"] = json_text(f.secret);
  j[std::string(secret_hash_field(f.secret_hash_keyed))] = f.secret_sha256;
  j["redacted"] = json_text(f.redacted);
  j["fingerprint"] = f.fingerprint;
  j["snippet"] = json_text(options.show_secrets ? f.snippet_clear : f.snippet);
  j["location"] = location_json(f.location);
  if (!f.app.empty()) j["app"] = app_json(f.app);
  if (!f.pair_role.empty()) j["pair_role"] = f.pair_role;
  if (rule && !rule->remediation.empty()) j["remediation"] = json_text(rule->remediation);
  Json refs = Json::array();
  if (rule)
    for (const auto& r : rule->references) refs.push_back(json_text(r));
  j["references"] = std::move(refs);
  if (options.verification) j["verification"] = verification_json(f.verification);
  // A pair's parts carry their own secrets, so they go through the same redaction.
  if (f.is_pair()) {
    Json parts = Json::array();
    ReportOptions part_options = options;
    part_options.verification = false;  // a pair is verified as a whole
    for (const auto& part : f.parts) parts.push_back(finding_object(part, nullptr, part_options, false));
    j["parts"] = std::move(parts);
  }
  return j;
}

}  // namespace

void VerificationCounts::add(const Finding& f) {
  switch (f.verification.status) {
    case Verification::Status::kLive:
      ++live;
      break;
    case Verification::Status::kRevoked:
      ++revoked;
      break;
    case Verification::Status::kUnknown:
      ++unknown;
      break;
    case Verification::Status::kNotChecked:
      ++not_checked;
      break;
  }
}

Json suppression_json(const Suppression& s) {
  Json j;
  j["mechanism"] = s.mechanism;
  j["source"] = json_text(s.source);
  j["justification"] = json_text(s.justification);
  return j;
}

Json verification_json(const Verification& v) {
  Json j;
  j["status"] = verification_status_name(v.status);
  j["identity"] = json_text(v.identity);
  j["detail"] = json_text(v.detail);
  j["endpoint"] = json_text(v.endpoint);
  return j;
}

Json verification_run_json(const VerificationCounts& counts, const ReportOptions& options) {
  Json j;
  j["live"] = counts.live;
  j["revoked"] = counts.revoked;
  j["unknown"] = counts.unknown;
  j["not_checked"] = counts.not_checked;
  Json overrides = Json::array();
  for (const auto& o : options.verify_endpoint_overrides) overrides.push_back(json_text(o));
  j["endpoint_overrides"] = std::move(overrides);
  if (!options.verify_offline_reason.empty())
    j["offline"] = json_text(options.verify_offline_reason);
  return j;
}

Json summary_json(const ScanSummary& s, uint64_t findings_reported) {
  Json j;
  j["files_scanned"] = s.files_scanned;
  j["blobs_scanned"] = s.blobs_scanned;
  j["bytes_scanned"] = s.bytes_scanned;
  j["findings"] = findings_reported;
  j["symlinks_skipped"] = s.symlinks_skipped;
  if (s.git_dirs_skipped) j["git_dirs_skipped"] = s.git_dirs_skipped;
  if (s.gitignored) j["gitignored_skipped"] = s.gitignored;
  if (s.git) j["git_commits"] = s.git_commits;
  if (s.git_unreachable_blobs) j["git_unreachable_blobs_skipped"] = s.git_unreachable_blobs;
  j["seconds"] = s.seconds;
  Json by_kind = Json::object();
  for (const auto& [kind, n] : s.diagnostics_by_kind) by_kind[kind] = n;
  j["diagnostics_by_kind"] = std::move(by_kind);
  Json suppressed = Json::object();
  for (const auto& [how, n] : s.suppressed) suppressed[how] = n;
  j["suppressed"] = std::move(suppressed);
  Json diagnostics = Json::array();
  for (const auto& d : s.diagnostics) {
    Json item;
    item["severity"] = d.severity == Severity::kError ? "error" : "warning";
    item["kind"] = diagnostic_kind_name(d.kind);
    item["path"] = json_text(d.path);
    item["message"] = json_text(d.message);
    diagnostics.push_back(std::move(item));
  }
  j["diagnostics"] = std::move(diagnostics);
  // Inputs whose bytes were not all scanned (unreadable, over --max-file-size, changed while
  // read): the first thing to check before trusting "0 findings".
  if (!s.not_fully_read.empty()) {
    Json inputs = Json::array();
    for (const auto& d : s.not_fully_read)
      inputs.push_back({{"path", json_text(d.path)},
                        {"kind", diagnostic_kind_name(d.kind)},
                        {"reason", json_text(d.message)}});
    j["inputs_not_fully_read"] = std::move(inputs);
  }
  return j;
}

std::string dump_json(const Json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace keysweep
