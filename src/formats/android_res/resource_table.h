// resources.arsc: RES_TABLE_TYPE -> global string pool + packages -> type / key string pools and
// ResTable_type chunks (dense u32 offsets, 16-bit offsets, or sparse entries) -> entries, simple
// (one Res_value) or complex (ResTable_map_entry: string-arrays, plurals, styles).
// Only string values (TYPE_STRING, indexes into the global pool) are reported: they are where
// hardcoded keys live, whatever the resource type (string, array, xml or raw file paths).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "formats/android_res/res_chunk.h"
#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::android_res {

// One string value as the parser hands it to its callback. The views point into the table or the
// parser's buffers and are valid only during the callback: tables hold hundreds of thousands of
// entries, and a copy of type, key and value per entry cost more than the parse itself.
struct ResourceString {
  uint32_t id = 0;             // 0xPPTTEEEE
  std::string_view type;       // "string", "array", "plurals", "xml", ...
  std::string_view key;        // "twilio_auth_token"
  std::optional<uint32_t> map_name;  // set for an item of a complex entry (ResTable_map::name)
  std::string_view value;      // UTF-8
  bool default_config = true;  // false for values under a qualifier (values-fr, -v21, ...)
  bool translation = false;    // under a language qualifier (values-fr, values-b+sr+Latn, ...)
};

// "@string/twilio_auth_token", "@array/servers[3]", "@plurals/minutes[one]".
std::string resource_symbol(const ResourceString& s);
// The same, appended to `out` (no temporary per value).
void append_resource_symbol(std::string& out, const ResourceString& s);

struct ResourceTableStats {
  uint64_t packages = 0;
  uint64_t entries = 0;  // entries read, string or not
  uint64_t strings = 0;  // values reported
};

using OnResourceString = std::function<void(const ResourceString&)>;

struct ResourceTableOptions {
  // Report a value once per resource (and complex item) even when several configurations
  // (values-v21, values-fr, ...) hold the same string. Decided on the pool indices, before any
  // string is decoded, so framework-sized tables with dozens of configurations stay cheap.
  bool unique_values = false;
  // Values shorter than this many UTF-16 units (the length both pool encodings declare) are not
  // decoded or reported: they cannot hold a credential, and most values of a table are short.
  uint32_t min_value_units = 0;
};

// True when `data` starts like a resource table: RES_TABLE_TYPE, header size 12, a size that fits.
bool looks_like_resource_table(std::string_view data);

// Reads the whole table. Fails when the table header or its global string pool cannot be read;
// problems inside one package or type chunk are noted and the rest is still read.
Result<ResourceTableStats> parse_resource_table(std::string_view data, const Limits& limits,
                                                const OnResourceString& on_string,
                                                ParseNotes& notes,
                                                const ResourceTableOptions& options = {});

}  // namespace keysweep::android_res
