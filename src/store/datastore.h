// The datastore: where `keysweep scan --datastore` keeps apps, inputs, findings and run metadata,
// and what `keysweep report` reads. One schema (migrations.h) over SQLite (a file path, the
// default) or PostgreSQL (a postgresql:// URI, for many machines writing into one store).
//
// Each top-level input is written in one transaction with everything found in it, as soon as it
// is scanned: a crash loses only inputs in flight, and a rerun skips every input whose content
// SHA-256 is already stored. Clear secrets are never stored: only their SHA-256 and redaction.
// Thread-safe: calls are serialised on the one connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "keysweep/finding.h"
#include "store/connection.h"

namespace keysweep::store {

struct RunInfo {
  std::string tool_version;
  std::string host;
  std::string command;
  std::string shard;  // "K/N" or ""
  int64_t pid = 0;    // this process, so a later run on `host` can tell whether it died
};

struct RunTotals {
  uint64_t inputs_scanned = 0, inputs_skipped = 0, bytes_scanned = 0, findings = 0;
};

// One top-level input, as the pipeline saw it.
struct InputRecord {
  std::string path;
  std::string content_sha256;  // empty: not read (unreadable, too large)
  uint64_t size = 0;
  AppIdentity app;             // empty when the input is not an app
  uint64_t blobs_scanned = 0, bytes_scanned = 0;
  std::vector<Diagnostic> diagnostics;
};

// "ok" (no diagnostic), "partial" (read and scanned, but some part did not parse or hit a limit),
// "error" (not read at all).
std::string input_status(const InputRecord& input);

// One row of a metadata CSV (`scan --metadata`).
struct AppMetadata {
  std::string app_id;  // package name / bundle id
  std::string publisher;
  std::optional<int64_t> installs;
  std::string store;
};

// For DEX symbols ("com.example.sms.TwilioClient.send()", "com.example.Config.TOKEN"): the class
// and package, so a report can tell SDK code from the app's own. Empty for other symbols.
struct CodeLocation {
  std::string klass, package;
};
CodeLocation code_location(const Location& location);

// How the findings table stores Location::decoders: outermost first, '>'-joined ("base64>hex");
// "" when the secret is in the blob as written.
std::string join_decoders(const std::vector<std::string>& decoders);

class Datastore {
 public:
  // `target`: "postgresql://..." / "postgres://..." for PostgreSQL, anything else is a SQLite file
  // path (created if missing). Migrates the schema to the latest version.
  static Result<std::unique_ptr<Datastore>> open(const std::string& target);
  // For tests of migrations: open without migrating.
  static Result<std::unique_ptr<Datastore>> open_unmigrated(const std::string& target);
  explicit Datastore(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}

  Dialect dialect() const { return conn_->dialect(); }

  // Before the new run is recorded, runs left 'running' by a process of `info.host` that no
  // longer exists (killed, crashed, the machine rebooted) are marked 'interrupted'; `interrupted`
  // (optional) receives how many. Runs of other hosts cannot be checked from here and are left.
  Result<int64_t> begin_run(const RunInfo& info, uint64_t* interrupted = nullptr);
  Result<void> finish_run(int64_t run_id, const RunTotals& totals);

  // Whether an input with this content is stored (scanned, or partly scanned).
  Result<bool> has_input(const std::string& content_sha256);

  // Writes the input, its app, the files holding findings, its findings (pairs with their parts)
  // and its diagnostics in one transaction. Returns false, writing nothing, when an input with the
  // same content was committed meanwhile (another shard, or a duplicate file).
  Result<bool> write_input(int64_t run_id, const InputRecord& input,
                           const std::vector<Finding>& findings);

  // Inserts or replaces metadata rows, in one transaction.
  Result<void> upsert_metadata(const std::vector<AppMetadata>& rows);

  // Read API for reports: any SELECT over the documented schema (docs/FLEET.md), with $1.. params.
  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params = {});
  Result<int> schema_version();
  Result<int> migrate(int target = -1);

 private:
  Result<int64_t> app_id(const AppIdentity& app);
  Result<int64_t> file_id(int64_t input_id, const std::vector<std::string>& chain,
                          std::map<std::string, int64_t>& files);
  Result<int64_t> insert_finding(int64_t input_id, const Finding& f, std::optional<int64_t> pair_id,
                                 std::map<std::string, int64_t>& files);
  Result<bool> write_input_locked(int64_t run_id, const InputRecord& input,
                                  const std::vector<Finding>& findings);

  std::mutex mu_;
  std::unique_ptr<Connection> conn_;
};

// ISO 8601 UTC, second precision: "2026-11-29T09:04:35Z".
std::string utc_now();

}  // namespace keysweep::store
