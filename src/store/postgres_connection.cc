// PostgreSQL backend (libpq): many machines write into one server. Statements are prepared once
// per connection (named ks0, ks1, ...) and values travel as text; integer columns come back as
// int64_t so both backends return the same Values.
#include <libpq-fe.h>

#include <map>

#include "io/shared_library.h"
#include "store/connection.h"

namespace keysweep::store {
namespace {

// Type OIDs of pg_type for int2, int4, int8, oid: read back as integers.
bool is_integer_type(Oid t) { return t == 20 || t == 21 || t == 23 || t == 26; }

// libpq, opened on first use (io/shared_library.h says why it is not linked). Each member has
// the type libpq-fe.h declares for the function of the same name.
struct PqApi {
  decltype(&::PQclear) PQclear = nullptr;
  decltype(&::PQconnectdb) PQconnectdb = nullptr;
  decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
  decltype(&::PQexec) PQexec = nullptr;
  decltype(&::PQexecPrepared) PQexecPrepared = nullptr;
  decltype(&::PQfinish) PQfinish = nullptr;
  decltype(&::PQftype) PQftype = nullptr;
  decltype(&::PQgetisnull) PQgetisnull = nullptr;
  decltype(&::PQgetlength) PQgetlength = nullptr;
  decltype(&::PQgetvalue) PQgetvalue = nullptr;
  decltype(&::PQnfields) PQnfields = nullptr;
  decltype(&::PQntuples) PQntuples = nullptr;
  decltype(&::PQprepare) PQprepare = nullptr;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage = nullptr;
  decltype(&::PQresultStatus) PQresultStatus = nullptr;
  decltype(&::PQstatus) PQstatus = nullptr;
};

const Result<PqApi>& pq_api() {
  static const Result<PqApi> api = []() -> Result<PqApi> {
    auto lib = SharedLibrary::open("libpq.so.5");
    if (!lib) return std::unexpected(lib.error());
    PqApi a;
    for (auto r : {lib->load("PQclear", a.PQclear),
                   lib->load("PQconnectdb", a.PQconnectdb),
                   lib->load("PQerrorMessage", a.PQerrorMessage),
                   lib->load("PQexec", a.PQexec),
                   lib->load("PQexecPrepared", a.PQexecPrepared),
                   lib->load("PQfinish", a.PQfinish),
                   lib->load("PQftype", a.PQftype),
                   lib->load("PQgetisnull", a.PQgetisnull),
                   lib->load("PQgetlength", a.PQgetlength),
                   lib->load("PQgetvalue", a.PQgetvalue),
                   lib->load("PQnfields", a.PQnfields),
                   lib->load("PQntuples", a.PQntuples),
                   lib->load("PQprepare", a.PQprepare),
                   lib->load("PQresultErrorMessage", a.PQresultErrorMessage),
                   lib->load("PQresultStatus", a.PQresultStatus),
                   lib->load("PQstatus", a.PQstatus)}) {
      if (!r) return std::unexpected(r.error());
    }
    return a;
  }();
  return api;
}


class PostgresConnection final : public Connection {
 public:
  PostgresConnection(const PqApi& pq, PGconn* conn) : pq_(&pq), conn_(conn) {}
  ~PostgresConnection() override { pq_->PQfinish(conn_); }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<void> exec(std::string_view sql) override {
    PGresult* r = pq_->PQexec(conn_, std::string(sql).c_str());
    auto st = pq_->PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(r, "exec");
    pq_->PQclear(r);
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
    PGresult* r = pq_->PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()),
                                 values.data(), nullptr, nullptr, 0);
    auto st = pq_->PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(r, "query");
    std::vector<Row> rows;
    int nrows = pq_->PQntuples(r), ncols = pq_->PQnfields(r);
    rows.reserve(static_cast<size_t>(nrows));
    for (int i = 0; i < nrows; ++i) {
      Row row;
      row.reserve(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (pq_->PQgetisnull(r, i, c)) row.emplace_back(std::monostate{});
        else if (is_integer_type(pq_->PQftype(r, c)))
          row.emplace_back(static_cast<int64_t>(std::strtoll(pq_->PQgetvalue(r, i, c), nullptr, 10)));
        else row.emplace_back(std::string(pq_->PQgetvalue(r, i, c), static_cast<size_t>(pq_->PQgetlength(r, i, c))));
      }
      rows.push_back(std::move(row));
    }
    pq_->PQclear(r);
    return rows;
  }

 private:
  Result<std::string> prepare(const std::string& sql, size_t nparams) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    std::string name = "ks" + std::to_string(cache_.size());
    PGresult* r = pq_->PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(nparams), nullptr);
    if (pq_->PQresultStatus(r) != PGRES_COMMAND_OK) return std::unexpected(fail(r, "prepare").error());
    pq_->PQclear(r);
    cache_.emplace(sql, name);
    return name;
  }
  std::unexpected<Error> fail(PGresult* r, const char* what) {
    std::string msg = r ? pq_->PQresultErrorMessage(r) : pq_->PQerrorMessage(conn_);
    if (msg.empty()) msg = pq_->PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    pq_->PQclear(r);
    return make_error(ErrorCode::kIo, std::string("PostgreSQL ") + what + ": " + msg);
  }

  const PqApi* pq_;
  PGconn* conn_;
  std::map<std::string, std::string> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo) {
  const auto& api = pq_api();
  if (!api) {
    return make_error(ErrorCode::kIo, "cannot open PostgreSQL datastore: " + api.error().message,
                      redact_conninfo(conninfo));
  }
  const PqApi& pq = *api;
  PGconn* conn = pq.PQconnectdb(conninfo.c_str());
  if (pq.PQstatus(conn) != CONNECTION_OK) {
    std::string msg = pq.PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    pq.PQfinish(conn);
    return make_error(ErrorCode::kIo, "cannot connect to PostgreSQL datastore: " + msg,
                      redact_conninfo(conninfo));
  }
  auto c = std::make_unique<PostgresConnection>(pq, conn);
  // Warnings (e.g. "relation already exists, skipping") are not the user's business.
  auto r = c->exec("SET client_min_messages = warning");
  if (!r) return std::unexpected(r.error());
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace keysweep::store
