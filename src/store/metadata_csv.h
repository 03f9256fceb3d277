// The metadata CSV of `scan --metadata`: one row per app, with a header naming the columns
// app_id (or package / bundle_id), publisher, installs, store, in any order; other columns are
// ignored. RFC 4180 quoting. installs may be written "1,000,000+" (as stores show it): the digits
// count, an empty cell is unknown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/datastore.h"

namespace keysweep::store {

Result<std::vector<AppMetadata>> parse_metadata_csv(std::string_view text, const std::string& path);
Result<std::vector<AppMetadata>> read_metadata_csv(const std::string& path);

}  // namespace keysweep::store
