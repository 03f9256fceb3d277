#include "formats/android_res/resource_table.h"

#include "formats/android_res/string_pool.h"
#include "io/byte_reader.h"

namespace keysweep::android_res {

namespace {

constexpr size_t kTableHeaderSize = 12;
constexpr size_t kPackageHeaderMin = 284;  // up to lastPublicKey; typeIdOffset came later
constexpr size_t kTypeHeaderMin = 20;      // up to entriesStart; the config follows
constexpr uint8_t kTypeFlagSparse = 0x01;
constexpr uint8_t kTypeFlagOffset16 = 0x02;
constexpr uint16_t kEntryFlagComplex = 0x0001;
constexpr uint16_t kEntryFlagCompact = 0x0008;
constexpr uint32_t kNoEntry = 0xFFFFFFFFu;
constexpr uint16_t kNoEntry16 = 0xFFFFu;

struct Table {
  std::string_view data;
  const Limits& limits;
  ParseNotes& notes;
  const OnResourceString& emit;
  ResourceTableStats& stats;
  StringPool values;
  bool have_values = false;
};

struct Package {
  uint32_t id = 0;
  StringPool types;
  StringPool keys;
  uint32_t type_id_offset = 0;
};

// A config whose fields (after its own size) are all zero is the default one (res/values/).
bool is_default_config(const ByteReader& r, const ChunkHeader& h) {
  auto csize = r.le_at<uint32_t>(h.offset + kTypeHeaderMin);
  if (!csize) return true;
  size_t avail = h.header_size > kTypeHeaderMin ? h.header_size - kTypeHeaderMin : 0;
  size_t n = std::min<size_t>(*csize, avail);
  for (size_t i = 4; i < n; ++i) {
    if (r.data()[h.offset + kTypeHeaderMin + i] != 0) return false;
  }
  return true;
}

void emit_string(Table& t, ResourceString& rs, uint32_t string_index, size_t at) {
  if (!t.have_values) {
    t.notes.add("string value at " + hex(at) + " but the table has no global string pool");
    return;
  }
  auto s = t.values.get(string_index);
  if (!s) {
    t.notes.add("value of " + resource_symbol(rs) + " at " + hex(at) + ": " + s.error().message);
    return;
  }
  rs.value = std::move(*s);
  ++t.stats.strings;
  t.emit(rs);
}

// One ResTable_entry at `pos`, inside the type chunk `h`.
void read_entry(Table& t, const Package& pkg, const ChunkHeader& h, const std::string& type_name,
                uint32_t res_id, bool default_config, size_t pos) {
  ByteReader r(t.data.substr(0, h.end()));
  auto esize = r.le_at<uint16_t>(pos);
  auto flags = r.le_at<uint16_t>(pos + 2);
  auto key = r.le_at<uint32_t>(pos + 4);
  if (!esize || !flags || !key) {
    t.notes.add("entry " + hex(res_id) + " at " + hex(pos) + " runs past its type chunk");
    return;
  }
  ++t.stats.entries;
  ResourceString rs;
  rs.id = res_id;
  rs.type = type_name;
  rs.default_config = default_config;
  if (*flags & kEntryFlagCompact) {
    // Compact entry (Android 14+): the key index sits in `size`, the data type in the high byte
    // of `flags`, and the data in the word where the key would be.
    rs.key = pkg.keys.get_or_empty(*esize);
    if (rs.key.empty()) rs.key = hex(res_id);
    if ((*flags >> 8) == kTypeString) emit_string(t, rs, *key, pos);
    return;
  }
  rs.key = pkg.keys.get_or_empty(*key);
  if (rs.key.empty()) rs.key = hex(res_id);
  if (*esize < 8) {
    t.notes.add("entry " + hex(res_id) + " has size " + std::to_string(*esize));
    return;
  }
  if (!(*flags & kEntryFlagComplex)) {
    auto dtype = r.le_at<uint8_t>(pos + *esize + 3);
    auto data = r.le_at<uint32_t>(pos + *esize + 4);
    if (!dtype || !data) {
      t.notes.add("value of " + resource_symbol(rs) + " runs past its type chunk");
      return;
    }
    if (*dtype == kTypeString) emit_string(t, rs, *data, pos);
    return;
  }
  auto count = r.le_at<uint32_t>(pos + 12);
  if (*esize < 16 || !count) {
    t.notes.add("complex entry " + resource_symbol(rs) + " has a short header");
    return;
  }
  size_t maps = pos + *esize;
  size_t room = maps <= h.end() ? (h.end() - maps) / 12 : 0;
  uint32_t n = *count;
  if (n > room) {
    t.notes.add("complex entry " + resource_symbol(rs) + " claims " + std::to_string(n) +
                " items, room for " + std::to_string(room));
    n = static_cast<uint32_t>(room);
  }
  for (uint32_t i = 0; i < n; ++i) {
    size_t m = maps + static_cast<size_t>(i) * 12;
    uint32_t name = *r.le_at<uint32_t>(m);
    uint8_t dtype = *r.le_at<uint8_t>(m + 4 + 3);
    uint32_t data = *r.le_at<uint32_t>(m + 4 + 4);
    if (dtype != kTypeString) continue;
    ResourceString item = rs;
    item.map_name = name;
    emit_string(t, item, data, m);
  }
}

void read_type_chunk(Table& t, const Package& pkg, const ChunkHeader& h) {
  if (h.header_size < kTypeHeaderMin) {
    t.notes.add("type chunk at " + hex(h.offset) + " has header size " +
                std::to_string(h.header_size));
    return;
  }
  ByteReader r(t.data.substr(0, h.end()));
  uint8_t type_id = *r.le_at<uint8_t>(h.offset + 8);
  uint8_t flags = *r.le_at<uint8_t>(h.offset + 9);
  uint32_t entry_count = *r.le_at<uint32_t>(h.offset + 12);
  uint32_t entries_start = *r.le_at<uint32_t>(h.offset + 16);
  bool sparse = flags & kTypeFlagSparse;
  bool offset16 = !sparse && (flags & kTypeFlagOffset16);
  size_t slot = offset16 ? 2 : 4;
  size_t index_room = (h.size - h.header_size) / slot;
  if (entry_count > index_room || entries_start > h.size) {
    t.notes.add("type chunk at " + hex(h.offset) + " claims " + std::to_string(entry_count) +
                " entries from " + std::to_string(entries_start) + " in " +
                std::to_string(h.size) + " bytes; skipped");
    return;
  }
  std::string type_name;
  if (type_id >= 1 + pkg.type_id_offset) type_name = pkg.types.get_or_empty(type_id - 1 - pkg.type_id_offset);
  if (type_name.empty()) type_name = hex(type_id);
  bool default_config = is_default_config(r, h);
  size_t index = h.body();
  size_t entries = h.offset + entries_start;
  uint32_t id_base = (pkg.id << 24) | (static_cast<uint32_t>(type_id) << 16);
  for (uint32_t i = 0; i < entry_count; ++i) {
    uint32_t entry_index = i;
    uint64_t off;
    if (sparse) {
      // ResTable_sparseTypeEntry: the entry's index, then its offset divided by 4.
      entry_index = *r.le_at<uint16_t>(index + i * 4);
      off = static_cast<uint64_t>(*r.le_at<uint16_t>(index + i * 4 + 2)) * 4;
    } else if (offset16) {
      uint16_t o = *r.le_at<uint16_t>(index + i * 2);
      if (o == kNoEntry16) continue;
      off = static_cast<uint64_t>(o) * 4;
    } else {
      uint32_t o = *r.le_at<uint32_t>(index + i * 4);
      if (o == kNoEntry) continue;
      off = o;
    }
    if (off >= h.end() - entries) {
      t.notes.add("entry " + std::to_string(entry_index) + " of type " + type_name +
                  " points past its chunk");
      continue;
    }
    read_entry(t, pkg, h, type_name, id_base | (entry_index & 0xFFFF), default_config,
               entries + static_cast<size_t>(off));
  }
}

Result<void> read_package(Table& t, const ChunkHeader& h) {
  if (h.header_size < kPackageHeaderMin) {
    return make_error(ErrorCode::kMalformed,
                      "package header size " + std::to_string(h.header_size), {}, h.offset);
  }
  ByteReader r(t.data.substr(0, h.end()));
  Package pkg;
  pkg.id = *r.le_at<uint32_t>(h.offset + 8) & 0xFF;
  uint32_t type_strings = *r.le_at<uint32_t>(h.offset + 268);
  uint32_t key_strings = *r.le_at<uint32_t>(h.offset + 276);
  if (h.header_size >= kPackageHeaderMin + 4) {
    pkg.type_id_offset = *r.le_at<uint32_t>(h.offset + 284);
  }
  if (type_strings >= h.size || key_strings >= h.size) {
    return make_error(ErrorCode::kMalformed, "package string pools lie outside the package", {},
                      h.offset);
  }
  auto types = StringPool::parse(t.data, h.offset + type_strings, h.end(), t.limits, &t.notes);
  if (!types) return std::unexpected(types.error());
  auto keys = StringPool::parse(t.data, h.offset + key_strings, h.end(), t.limits, &t.notes);
  if (!keys) return std::unexpected(keys.error());
  pkg.types = std::move(*types);
  pkg.keys = std::move(*keys);
  ++t.stats.packages;

  for (size_t pos = h.body(); pos + 8 <= h.end();) {
    auto c = read_chunk(t.data, pos, h.end());
    if (!c) {
      t.notes.add("in package at " + hex(h.offset) + ": " + c.error().message + " at " + hex(pos) +
                  "; rest of the package skipped");
      break;
    }
    if (c->type == kResTableType) read_type_chunk(t, pkg, *c);
    // Type specs, the two pools, libraries and overlay chunks hold no values.
    pos = c->end();
  }
  return {};
}

}  // namespace

std::string resource_symbol(const ResourceString& s) {
  std::string out = "@" + s.type + "/" + s.key;
  if (!s.map_name) return out;
  uint32_t n = *s.map_name;
  // Plural quantities are fixed attribute ids.
  static constexpr const char* kQuantities[] = {"other", "zero", "one", "two", "few", "many"};
  // aapt (v1) names array items Res_MAKEARRAY(index) = 0x02000000 | index; aapt2 writes
  // 0x01000000 | (index + 1), which overlaps the plural ids, so the type decides.
  bool array = s.type.find("array") != std::string::npos;
  // append(), not `"[" + std::string(...)`: GCC 12 at -O3 (the release preset) reports a false
  // -Werror=restrict on inserting before a temporary string.
  if ((n & 0xFFFF0000u) == 0x02000000u) {
    out.append("[").append(std::to_string(n & 0xFFFF)).append("]");
  } else if (array && (n & 0xFFFF0000u) == 0x01000000u && (n & 0xFFFF) != 0) {
    out.append("[").append(std::to_string((n & 0xFFFF) - 1)).append("]");
  } else if (n >= 0x01000004u && n <= 0x01000009u) {
    out.append("[").append(kQuantities[n - 0x01000004u]).append("]");
  } else {
    out.append("[").append(hex(n)).append("]");
  }
  return out;
}

bool looks_like_resource_table(std::string_view data) {
  ByteReader r(data);
  auto type = r.le_at<uint16_t>(0);
  auto hsize = r.le_at<uint16_t>(2);
  auto size = r.le_at<uint32_t>(4);
  return type && *type == kResTable && *hsize == kTableHeaderSize && *size >= kTableHeaderSize &&
         *size <= data.size();
}

Result<ResourceTableStats> parse_resource_table(std::string_view data, const Limits& limits,
                                                const OnResourceString& on_string,
                                                ParseNotes& notes) {
  auto th = read_chunk(data, 0, data.size());
  if (!th) return std::unexpected(th.error());
  if (th->type != kResTable || th->header_size < kTableHeaderSize) {
    return make_error(ErrorCode::kMalformed, "not a resource table (chunk type " + hex(th->type) +
                                                 ", header size " +
                                                 std::to_string(th->header_size) + ")",
                      {}, 0);
  }
  ResourceTableStats stats;
  Table t{data, limits, notes, on_string, stats, {}, false};
  for (size_t pos = th->body(); pos + 8 <= th->end();) {
    auto c = read_chunk(data, pos, th->end());
    if (!c) {
      notes.add(c.error().message + " at " + hex(pos) + "; rest of the table skipped");
      break;
    }
    if (c->type == kResStringPool) {
      if (t.have_values) {
        notes.add("second global string pool at " + hex(pos) + " ignored");
      } else {
        auto pool = StringPool::parse(data, pos, c->end(), limits, &notes);
        if (!pool) {
          Error e = pool.error();
          e.message = "global string pool: " + e.message;
          return std::unexpected(e);
        }
        t.values = std::move(*pool);
        t.have_values = true;
      }
    } else if (c->type == kResTablePackage) {
      if (auto p = read_package(t, *c); !p) {
        notes.add("package at " + hex(pos) + " skipped: " + p.error().message);
      }
    }
    pos = c->end();
  }
  if (!t.have_values) {
    return make_error(ErrorCode::kMalformed, "resource table has no global string pool", {}, 0);
  }
  return stats;
}

}  // namespace keysweep::android_res
