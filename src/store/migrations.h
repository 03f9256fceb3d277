// The datastore schema, as numbered migrations (src/store/migrations/NNNN_name.sql, embedded at
// build time). A database records the version it is at in schema_version; opening it applies
// every newer migration, each in its own transaction, so an old store upgrades in place.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "store/connection.h"

namespace keysweep::store {

struct Migration {
  int version;
  std::string_view name;  // file name without .sql
  std::string_view sql;   // @ID@ stands for the dialect's auto-increment primary key
};

std::span<const Migration> migrations();
int latest_schema_version();

// The migration's SQL for `dialect`.
std::string migration_sql(const Migration& m, Dialect dialect);

// 0 for a database keysweep never wrote.
Result<int> schema_version(Connection& conn);

// Applies every migration above the database's version up to `target` (default: the latest).
// Safe when several processes open one fresh database at once: PostgreSQL serialises them with
// an advisory lock, SQLite with its write lock. Refuses a database newer than this keysweep.
Result<int> migrate(Connection& conn, int target = -1);

}  // namespace keysweep::store
