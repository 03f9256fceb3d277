// PostgreSQL backend (libpq): many machines write into one server. Statements are prepared once
// per connection (named ks0, ks1, ...) and values travel as text; integer columns come back as
// int64_t so both backends return the same Values.
#include <libpq-fe.h>

#include <map>

#include "store/connection.h"

namespace keysweep::store {
namespace {

// Type OIDs of pg_type for int2, int4, int8, oid: read back as integers.
bool is_integer_type(Oid t) { return t == 20 || t == 21 || t == 23 || t == 26; }

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<void> exec(std::string_view sql) override {
    PGresult* r = PQexec(conn_, std::string(sql).c_str());
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(r, "exec");
    PQclear(r);
    return {};
  }

  Result<void> begin_write() override { return exec("BEGIN"); }

  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params) override {
    auto name = prepare(sql, params.size());
    if (!name) return std::unexpected(name.error());
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (is_null(params[i])) continue;
      text[i] = as_text(params[i]);
      values[i] = text[i].c_str();
    }
    PGresult* r = PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0);
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(r, "query");
    std::vector<Row> rows;
    int nrows = PQntuples(r), ncols = PQnfields(r);
    rows.reserve(static_cast<size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      Row row;
      row.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c)) row.emplace_back(std::monostate{});
        else if (is_integer_type(PQftype(r, c)))
          row.emplace_back(static_cast<int64_t>(std::strtoll(PQgetvalue(r, i, c), nullptr, 10)));
        else row.emplace_back(std::string(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c))));
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }

 private:
  Result<std::string> prepare(const std::string& sql, size_t nparams) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    std::string name = "ks" + std::to_string(cache_.size());
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(nparams), nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return std::unexpected(fail(r, "prepare").error());
    PQclear(r);
    cache_.emplace(sql, name);
    return name;
  }
  std::unexpected<Error> fail(PGresult* r, const char* what) {
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    if (msg.empty()) msg = PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQclear(r);
    return make_error(ErrorCode::kIo, std::string("PostgreSQL ") + what + ": " + msg);
  }

  PGconn* conn_;
  std::map<std::string, std::string> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(conn);
    return make_error(ErrorCode::kIo, "cannot connect to PostgreSQL datastore: " + msg,
                      redact_conninfo(conninfo));
  }
  auto c = std::make_unique<PostgresConnection>(conn);
  // Warnings (e.g. "relation already exists, skipping") are not the user's business.
  auto r = c->exec("SET client_min_messages = warning");
  if (!r) return std::unexpected(r.error());
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace keysweep::store
