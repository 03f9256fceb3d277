// SQLite backend: one connection in WAL mode (readers never block the writer, a crash loses at
// most the transaction in flight), statements prepared once and cached by their text.
#include <sqlite3.h>

#include <map>

#include "store/connection.h"

namespace keysweep::store {
namespace {

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<void> exec(std::string_view sql) override {
    char* msg = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return make_error(ErrorCode::kIo, "SQLite: " + m, path_);
    }
    return {};
  }

  Result<void> begin_write() override { return exec("BEGIN IMMEDIATE"); }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params) override {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    sqlite3_stmt* s = *stmt;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    for (size_t i = 0; i < params.size(); ++i) {
      // "$1" is a named parameter to SQLite: bind by name, so the order of first use is free.
      std::string name = "$" + std::to_string(i + 1);
      int idx = sqlite3_bind_parameter_index(s, name.c_str());
      if (idx == 0) continue;  // a parameter the statement does not use
      int rc = SQLITE_OK;
      if (auto* n = std::get_if<int64_t>(&params[i])) rc = sqlite3_bind_int64(s, idx, *n);
      else if (auto* t = std::get_if<std::string>(&params[i]))
        rc = sqlite3_bind_text(s, idx, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
      else rc = sqlite3_bind_null(s, idx);
      if (rc != SQLITE_OK) return fail("bind");
    }
    std::vector<Row> rows;
    for (;;) {
      int rc = sqlite3_step(s);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        auto e = fail("step");
        sqlite3_reset(s);
        return std::unexpected(e.error());
      }
      Row row;
      int n = sqlite3_column_count(s);
      row.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(s, c)) {
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(s, c)));
            break;
          default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
            row.emplace_back(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, c))));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(s);
    return rows;
  }

 private:
  Result<sqlite3_stmt*> prepare(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
      return std::unexpected(fail("prepare").error());
    cache_.emplace(sql, s);
    return s;
  }
  std::unexpected<Error> fail(const char* what) {
    return make_error(ErrorCode::kIo, std::string("SQLite ") + what + ": " + sqlite3_errmsg(db_),
                      path_);
  }

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                  SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error(ErrorCode::kIo, "cannot open SQLite datastore: " + msg, path);
  }
  auto conn = std::make_unique<SqliteConnection>(db, path);
  // Several processes may share one file (resumed runs, shards on one machine): wait for the
  // write lock rather than fail at once.
  sqlite3_busy_timeout(db, 60000);
  // WAL: committed transactions survive a crash; NORMAL sync is durable against process death
  // (what a killed scan is), fsync at checkpoints only.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON"}) {
    auto r = conn->exec(pragma);
    if (!r) return std::unexpected(r.error());
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace keysweep::store
