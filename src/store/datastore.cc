#include "store/datastore.h"

#include <signal.h>

#include <cerrno>

#include "core/utc_time.h"
#include "store/migrations.h"

namespace keysweep::store {
namespace {

bool is_postgres_target(const std::string& target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

std::string join_chain(const std::vector<std::string>& chain) {
  std::string out;
  for (const auto& part : chain) {
    if (!out.empty()) out += '!';
    out += part;
  }
  return out;
}

Value text(std::string s) { return Value{std::move(s)}; }
Value num(uint64_t n) { return Value{static_cast<int64_t>(n)}; }

}  // namespace

std::string redact_conninfo(const std::string& conninfo) {
  std::string out = conninfo;
  // URI userinfo: scheme://user:password@host
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto at = out.find('@', scheme + 3);
    auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URI parameter (?password=x&...) or a key=value pair (password=x host=...).
  for (size_t at = 0; (at = out.find("password=", at)) != std::string::npos;) {
    bool starts = at == 0 || out[at - 1] == '?' || out[at - 1] == '&' || out[at - 1] == ' ';
    at += 9;
    if (!starts) continue;
    size_t end = out.find_first_of("& ", at);
    if (end == std::string::npos) end = out.size();
    out.replace(at, end - at, "***");
  }
  return out;
}

std::string utc_now() { return format_utc_now(kIso8601Utc); }

std::string input_status(const InputRecord& input) {
  if (input.content_sha256.empty()) return "error";
  return input.diagnostics.empty() ? "ok" : "partial";
}

std::string join_decoders(const std::vector<std::string>& decoders) {
  std::string out;
  for (const auto& d : decoders) {
    if (!out.empty()) out += '>';
    out += d;
  }
  return out;
}

CodeLocation code_location(const Location& location) {
  // The DEX extractor's text child is "classes2.dex!strings": the DEX is the last or next-to-last
  // element of the chain.
  const auto& chain = location.chain;
  bool dex = (!chain.empty() && chain.back().ends_with(".dex")) ||
             (chain.size() >= 2 && chain[chain.size() - 2].ends_with(".dex"));
  if (!dex) return {};
  std::string_view s = location.symbol;
  // "dex string #12": a string no method loads; no class to name.
  if (s.empty() || s.starts_with("dex string")) return {};
  if (s.ends_with("()")) s.remove_suffix(2);
  auto member = s.rfind('.');
  if (member == std::string_view::npos) return {};
  CodeLocation out;
  out.klass = std::string(s.substr(0, member));
  auto pkg = out.klass.rfind('.');
  if (pkg != std::string::npos) out.package = out.klass.substr(0, pkg);
  return out;
}

Result<std::unique_ptr<Datastore>> Datastore::open_unmigrated(const std::string& target) {
  auto conn = is_postgres_target(target) ? open_postgres(target) : open_sqlite(target);
  if (!conn) return std::unexpected(conn.error());
  return std::make_unique<Datastore>(std::move(*conn));
}

Result<std::unique_ptr<Datastore>> Datastore::open(const std::string& target) {
  auto store = open_unmigrated(target);
  if (!store) return store;
  auto v = (*store)->migrate();
  if (!v) return std::unexpected(v.error());
  return store;
}

Result<int> Datastore::schema_version() {
  std::lock_guard lock(mu_);
  return store::schema_version(*conn_);
}

Result<int> Datastore::migrate(int target) {
  std::lock_guard lock(mu_);
  return store::migrate(*conn_, target);
}

Result<std::vector<Row>> Datastore::query(const std::string& sql, const std::vector<Value>& params) {
  std::lock_guard lock(mu_);
  return conn_->query(sql, params);
}

Result<int64_t> Datastore::begin_run(const RunInfo& info, uint64_t* interrupted) {
  std::lock_guard lock(mu_);
  auto running = conn_->query(
      "SELECT id, pid FROM scan_runs WHERE status = 'running' AND host = $1 AND pid IS NOT NULL",
      {text(info.host)});
  if (!running) return std::unexpected(running.error());
  uint64_t marked = 0;
  for (const Row& r : *running) {
    // kill(pid, 0) sends nothing: ESRCH says no such process. EPERM (another user's process) and
    // a reused pid count as alive. Another PID namespace under the same host name (containers)
    // could still mark a live run: finish_run sets 'finished' by id, so it ends right anyway.
    const auto pid = static_cast<pid_t>(as_int(r[1]));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    auto up = conn_->query("UPDATE scan_runs SET status = 'interrupted' WHERE id = $1 AND status = 'running'",
                           {r[0]});
    if (!up) return std::unexpected(up.error());
    ++marked;
  }
  if (interrupted) *interrupted = marked;
  auto rows = conn_->query(
      "INSERT INTO scan_runs (started_at, status, tool_version, host, command, shard, pid) "
      "VALUES ($1, 'running', $2, $3, $4, $5, $6) RETURNING id",
      {text(utc_now()), text(info.tool_version), text(info.host), text(info.command),
       text(info.shard), Value{info.pid}});
  if (!rows) return std::unexpected(rows.error());
  return as_int(rows->front().front());
}

Result<void> Datastore::finish_run(int64_t run_id, const RunTotals& t) {
  std::lock_guard lock(mu_);
  auto rows = conn_->query(
      "UPDATE scan_runs SET finished_at = $1, status = 'finished', inputs_scanned = $2, "
      "inputs_skipped = $3, bytes_scanned = $4, findings = $5 WHERE id = $6",
      {text(utc_now()), num(t.inputs_scanned), num(t.inputs_skipped), num(t.bytes_scanned),
       num(t.findings), Value{run_id}});
  if (!rows) return std::unexpected(rows.error());
  return {};
}

Result<bool> Datastore::has_input(const std::string& content_sha256) {
  std::lock_guard lock(mu_);
  auto rows = conn_->query("SELECT 1 FROM inputs WHERE content_sha256 = $1", {text(content_sha256)});
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<int64_t> Datastore::app_id(const AppIdentity& a) {
  std::vector<Value> key{text(a.platform), text(a.package), text(a.version), text(a.signer_sha256),
                         text(a.team_id)};
  // Insert-or-ignore then read back: the same for both dialects, and race-free across processes
  // (a concurrent insert of the same app makes ours a no-op once it commits).
  auto ins = conn_->query(
      "INSERT INTO apps (platform, package, version, signer_sha256, team_id) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
      key);
  if (!ins) return std::unexpected(ins.error());
  auto rows = conn_->query(
      "SELECT id FROM apps WHERE platform = $1 AND package = $2 AND version = $3 AND "
      "signer_sha256 = $4 AND team_id = $5",
      key);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return make_error(ErrorCode::kInternal, "app row vanished: " + a.package);
  return as_int(rows->front().front());
}

Result<int64_t> Datastore::file_id(int64_t input_id, const std::vector<std::string>& chain,
                                   std::map<std::string, int64_t>& files) {
  std::string joined = join_chain(chain);
  if (auto it = files.find(joined); it != files.end()) return it->second;
  auto rows = conn_->query(
      "INSERT INTO files (input_id, chain, depth) VALUES ($1, $2, $3) RETURNING id",
      {Value{input_id}, text(joined), num(chain.empty() ? 0 : chain.size() - 1)});
  if (!rows) return std::unexpected(rows.error());
  int64_t id = as_int(rows->front().front());
  files.emplace(std::move(joined), id);
  return id;
}

Result<int64_t> Datastore::insert_finding(int64_t input_id, const Finding& f,
                                          std::optional<int64_t> pair_id,
                                          std::map<std::string, int64_t>& files) {
  auto file = file_id(input_id, f.location.chain, files);
  if (!file) return file;
  Value app{};
  if (!f.app.empty()) {
    auto id = app_id(f.app);
    if (!id) return id;
    app = Value{*id};
  }
  CodeLocation code = code_location(f.location);
  const Location& l = f.location;
  auto rows = conn_->query(
      "INSERT INTO findings (input_id, file_id, app_id, rule_id, rule_name, provider, confidence, "
      "secret_sha256, redacted, fingerprint, symbol, line, col, byte_offset, code_class, "
      "code_package, snippet, verification_status, verification_identity, verification_detail, "
      "pair_id, pair_role, git_commit, git_author, git_time, git_path, decoders, "
      "secret_hash_keyed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
      "$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28) RETURNING id",
      {Value{input_id}, Value{*file}, app, text(f.rule_id), text(f.rule_name), text(f.provider),
       text(confidence_name(f.confidence)), text(f.secret_sha256), text(f.redacted),
       text(f.fingerprint), text(l.symbol), num(l.line), num(l.column), num(l.offset),
       text(code.klass), text(code.package), text(f.snippet),
       text(verification_status_name(f.verification.status)), text(f.verification.identity),
       text(f.verification.detail), pair_id ? Value{*pair_id} : Value{}, text(f.pair_role),
       text(l.git.commit), text(l.git.author), Value{l.git.time}, text(l.git.path),
       text(join_decoders(l.decoders)), Value{int64_t{f.secret_hash_keyed ? 1 : 0}}});
  if (!rows) return std::unexpected(rows.error());
  return as_int(rows->front().front());
}

Result<bool> Datastore::write_input(int64_t run_id, const InputRecord& input,
                                    const std::vector<Finding>& findings) {
  std::lock_guard lock(mu_);
  auto begin = conn_->begin_write();
  if (!begin) return std::unexpected(begin.error());
  auto written = write_input_locked(run_id, input, findings);
  if (!written || !*written) {
    conn_->rollback();
    return written;
  }
  auto c = conn_->commit();
  if (!c) {
    conn_->rollback();
    return std::unexpected(c.error());
  }
  return true;
}

Result<bool> Datastore::write_input_locked(int64_t run_id, const InputRecord& input,
                                           const std::vector<Finding>& findings) {
  const std::string status = input_status(input);
  Value sha = input.content_sha256.empty() ? Value{} : text(input.content_sha256);
  if (input.content_sha256.empty()) {
    // An unreadable input has no content to key on: keep only its latest attempt.
    auto del = conn_->query("DELETE FROM inputs WHERE content_sha256 IS NULL AND path = $1",
                            {text(input.path)});
    if (!del) return std::unexpected(del.error());
  }
  Value app{};
  if (!input.app.empty()) {
    auto id = app_id(input.app);
    if (!id) return std::unexpected(id.error());
    app = Value{*id};
  }
  uint64_t top_level = findings.size();
  std::string reason = input.diagnostics.empty() ? "" : input.diagnostics.front().to_string();
  auto rows = conn_->query(
      "INSERT INTO inputs (run_id, path, content_sha256, size, status, reason, app_id, "
      "blobs_scanned, bytes_scanned, findings, scanned_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, $11) ON CONFLICT (content_sha256) DO NOTHING RETURNING id",
      {Value{run_id}, text(input.path), sha, num(input.size), text(status), text(reason), app,
       num(input.blobs_scanned), num(input.bytes_scanned), num(top_level), text(utc_now())});
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return false;  // same content already stored
  int64_t input_id = as_int(rows->front().front());

  for (const auto& d : input.diagnostics) {
    auto r = conn_->query(
        "INSERT INTO diagnostics (input_id, severity, kind, path, message) VALUES ($1, $2, $3, "
        "$4, $5)",
        {Value{input_id}, text(d.severity == Severity::kError ? "error" : "warning"),
         text(diagnostic_kind_name(d.kind)), text(d.path), text(d.message)});
    if (!r) return std::unexpected(r.error());
  }
  std::map<std::string, int64_t> files;
  for (const auto& f : findings) {
    auto id = insert_finding(input_id, f, std::nullopt, files);
    if (!id) return std::unexpected(id.error());
    for (const auto& part : f.parts) {
      auto p = insert_finding(input_id, part, *id, files);
      if (!p) return std::unexpected(p.error());
    }
  }
  return true;
}

Result<void> Datastore::upsert_metadata(const std::vector<AppMetadata>& rows) {
  std::lock_guard lock(mu_);
  auto begin = conn_->begin_write();
  if (!begin) return std::unexpected(begin.error());
  std::string now = utc_now();
  for (const auto& m : rows) {
    auto r = conn_->query(
        "INSERT INTO app_metadata (app_id, publisher, installs, store, imported_at) VALUES ($1, "
        "$2, $3, $4, $5) ON CONFLICT (app_id) DO UPDATE SET publisher = excluded.publisher, "
        "installs = excluded.installs, store = excluded.store, imported_at = excluded.imported_at",
        {text(m.app_id), text(m.publisher), m.installs ? Value{*m.installs} : Value{},
         text(m.store), text(now)});
    if (!r) {
      conn_->rollback();
      return std::unexpected(r.error());
    }
  }
  return conn_->commit();
}

}  // namespace keysweep::store
