// The one thing the datastore needs from a database: run SQL with parameters, read rows back, and
// group statements in transactions. SQLite and PostgreSQL each implement it in one file; every
// statement the datastore runs is written once, in the SQL both accept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::store {

// A parameter or a column value. NULL is std::monostate.
using Value = std::variant<std::monostate, int64_t, std::string>;
using Row = std::vector<Value>;

enum class Dialect { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Statements without parameters or results (DDL, BEGIN/COMMIT); may hold several statements.
  virtual Result<void> exec(std::string_view sql) = 0;
  // One statement with parameters written $1, $2, ... (both dialects); returns every row.
  // Statements are prepared once per connection and reused.
  virtual Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params) = 0;
  // Opens a write transaction that holds the database's write lock from its start (SQLite's
  // BEGIN IMMEDIATE), so two writers never deadlock upgrading a read lock.
  virtual Result<void> begin_write() = 0;
  Result<void> commit() { return exec("COMMIT"); }
  void rollback() { (void)exec("ROLLBACK"); }
};

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path);
// `conninfo`: a postgresql:// URI or key=value string, as libpq takes it.
Result<std::unique_ptr<Connection>> open_postgres(const std::string& conninfo);

// The connection string with any password replaced by "***" (the user:password@ of a URI, a
// password= parameter or key=value), for messages and logs.
std::string redact_conninfo(const std::string& conninfo);

// Value helpers.
inline int64_t as_int(const Value& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}
inline std::string as_text(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return {};
}
inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

}  // namespace keysweep::store
