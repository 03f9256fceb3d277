#include "fleet/store_reader.h"

#include <algorithm>
#include <map>
#include <set>

namespace keysweep::fleet {

namespace {

using store::as_int;
using store::as_text;
using store::is_null;

// Columns 0..4 of a row: platform, package, version, signer_sha256, team_id (NULLs from a LEFT
// JOIN without an app read as empty strings).
AppIdentity app_from(const store::Row& row, size_t first) {
  AppIdentity a;
  a.platform = as_text(row[first]);
  a.package = as_text(row[first + 1]);
  a.version = as_text(row[first + 2]);
  a.signer_sha256 = as_text(row[first + 3]);
  a.team_id = as_text(row[first + 4]);
  return a;
}

constexpr const char* kAppColumns = "a.platform, a.package, a.version, a.signer_sha256, a.team_id";

}  // namespace

Result<FleetData> read_fleet(store::Datastore& db) {
  FleetData data;
  auto inputs = db.query(std::string("SELECT i.path, i.size, i.status, i.reason, ") + kAppColumns +
                         " FROM inputs i LEFT JOIN apps a ON a.id = i.app_id");
  if (!inputs) return std::unexpected(inputs.error());
  auto kinds = db.query(
      "SELECT DISTINCT i.path, d.kind FROM diagnostics d JOIN inputs i ON i.id = d.input_id");
  if (!kinds) return std::unexpected(kinds.error());
  std::map<std::string, std::set<std::string>> kinds_by_path;
  for (const auto& row : *kinds) kinds_by_path[as_text(row[0])].insert(as_text(row[1]));
  for (const auto& row : *inputs) {
    InputRow in;
    in.path = as_text(row[0]);
    in.size = static_cast<uint64_t>(as_int(row[1]));
    in.status = as_text(row[2]);
    in.reason = as_text(row[3]);
    in.app = app_from(row, 4);
    const auto& k = kinds_by_path[in.path];
    in.diagnostic_kinds.assign(k.begin(), k.end());
    data.inputs.push_back(std::move(in));
  }

  // A pair's parts, in role order (as written): the report shows them redacted. A pair's own
  // row has the code location of the part it was reported at; when that is not code, the parts
  // say which class holds it (the secret part first).
  auto parts = db.query(
      "SELECT p.pair_id, p.pair_role, p.code_package, p.rule_id, p.redacted, p.symbol, p.line, "
      "fi.chain FROM findings p JOIN files fi ON fi.id = p.file_id "
      "WHERE p.pair_id IS NOT NULL ORDER BY p.pair_id, p.id");
  if (!parts) return std::unexpected(parts.error());
  std::map<int64_t, std::string> pair_code;
  std::map<int64_t, std::vector<PartRow>> pair_parts;
  for (const auto& row : *parts) {
    int64_t id = as_int(row[0]);
    std::string role = as_text(row[1]), code = as_text(row[2]);
    if (!code.empty() && (role == "secret" || !pair_code.contains(id))) pair_code[id] = code;
    pair_parts[id].push_back({role, as_text(row[3]), as_text(row[4]), as_text(row[5]), as_text(row[7]),
                              static_cast<uint32_t>(as_int(row[6]))});
  }

  auto version = db.schema_version();
  if (!version) return std::unexpected(version.error());
  // The decoders column came with schema version 3; `report` reads older stores as they are.
  const bool has_decoders = *version >= 3;
  // Keyed hashes of guessable secrets came with version 5; older rows hold plain SHA-256.
  const bool has_keyed = *version >= 5;
  auto findings = db.query(
      std::string("SELECT f.id, i.path, fi.chain, f.rule_id, f.rule_name, f.provider, "
                  "f.secret_sha256, f.redacted, f.symbol, f.code_package, f.verification_status, ") +
      kAppColumns + ", f.confidence, f.line, f.snippet, f.verification_detail" +
      (has_decoders ? ", f.decoders" : "") + (has_keyed ? ", f.secret_hash_keyed" : "") +
      " FROM findings f JOIN inputs i ON i.id = f.input_id JOIN files fi ON fi.id = f.file_id "
      "LEFT JOIN apps a ON a.id = f.app_id WHERE f.pair_id IS NULL");
  if (!findings) return std::unexpected(findings.error());
  for (const auto& row : *findings) {
    FindingRow f;
    f.input_path = as_text(row[1]);
    f.chain = as_text(row[2]);
    f.rule_id = as_text(row[3]);
    f.rule_name = as_text(row[4]);
    f.provider = as_text(row[5]);
    f.secret_sha256 = as_text(row[6]);
    f.redacted = as_text(row[7]);
    f.symbol = as_text(row[8]);
    f.code_package = as_text(row[9]);
    if (f.code_package.empty())
      if (auto it = pair_code.find(as_int(row[0])); it != pair_code.end()) f.code_package = it->second;
    f.verification = as_text(row[10]);
    f.app = app_from(row, 11);
    f.confidence = parse_confidence(as_text(row[16])).value_or(Confidence::kMedium);
    f.line = static_cast<uint32_t>(as_int(row[17]));
    f.snippet = as_text(row[18]);
    f.verification_detail = as_text(row[19]);
    if (has_decoders) f.decoders = as_text(row[20]);
    if (has_keyed) f.secret_hash_keyed = as_int(row[has_decoders ? 21 : 20]) != 0;
    if (auto it = pair_parts.find(as_int(row[0])); it != pair_parts.end()) f.parts = std::move(it->second);
    data.findings.push_back(std::move(f));
  }

  if (*version >= 2) {  // app_metadata came with schema version 2
    auto meta = db.query("SELECT app_id, publisher, installs, store FROM app_metadata");
    if (!meta) return std::unexpected(meta.error());
    for (const auto& row : *meta) {
      AppMeta m;
      m.publisher = as_text(row[1]);
      if (!is_null(row[2])) m.installs = as_int(row[2]);
      m.store = as_text(row[3]);
      data.metadata[as_text(row[0])] = std::move(m);
    }
  }
  return data;
}

void add_rule_info(FleetData& data, const RuleSet& rules) {
  for (const auto& r : rules.rules) data.rules[r.id] = RuleInfo{r.grants, r.remediation, r.references};
}

Result<ReportRun> read_run_info(store::Datastore& db) {
  auto rows = db.query("SELECT COUNT(*), MIN(started_at), MAX(finished_at) FROM scan_runs");
  if (!rows) return std::unexpected(rows.error());
  ReportRun run;
  if (!rows->empty()) {
    run.scan_runs = static_cast<uint64_t>(as_int((*rows)[0][0]));
    run.first_scan_started = as_text((*rows)[0][1]);
    run.last_scan_finished = as_text((*rows)[0][2]);
  }
  return run;
}

void merge_metadata(FleetData& data, const std::vector<store::AppMetadata>& rows) {
  for (const auto& r : rows) data.metadata[r.app_id] = AppMeta{r.publisher, r.installs, r.store};
}

}  // namespace keysweep::fleet
