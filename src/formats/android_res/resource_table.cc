#include "formats/android_res/resource_table.h"

#include <array>
#include <bit>
#include <cstring>
#include <deque>
#include <utility>
#include <unordered_set>
#include <vector>

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

// A set of 64-bit keys with open addressing in one array: the (resource id, pool index) pairs of
// a large table can number in the tens of thousands, where std::unordered_set's node per key and
// pointer chasing cost more than the parse itself. (Written here rather than adding Abseil for
// one set.)
class FlatKeySet {
 public:
  // Room for `n` keys without growing.
  void reserve(size_t n) {
    size_t slots = 16;
    while (n * 4 > slots * 3) slots *= 2;
    if (slots > slots_.size()) {
      std::vector<uint64_t> old = std::move(slots_);
      slots_.assign(slots, kEmpty);
      count_ = 0;
      for (uint64_t k : old)
        if (k != kEmpty) insert(k);
    }
  }
  // True when `key` was not in the set yet.
  bool insert(uint64_t key) {
    if (key == kEmpty) return !std::exchange(has_empty_key_, true);
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == key) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = key;
        ++count_;
        return true;
      }
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static size_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  void grow() { reserve(slots_.empty() ? 768 : slots_.size()); }
  std::vector<uint64_t> slots_;
  size_t count_ = 0;
  bool has_empty_key_ = false;
};

// Which (resource, value) pairs were reported, for ResourceTableOptions::unique_values. Most
// values belong to one resource (its configurations repeat it), so a simple entry is checked
// against the first resource that reported its value, kept by pool index in an array (0.4 MB for
// a framework-sized pool, where a hash set of every pair took 2 MB of random reads, a cache miss
// per value); only a value some other resource reported first goes on to a flat set of
// (id, pool index) pairs. The few complex items (arrays, plurals) are kept by item name too, in a
// hash set.
class ReportedValues {
 public:
  void reserve(size_t strings) {
    first_id_.assign(strings, 0);
    has_first_.assign((strings + 63) / 64, 0);
  }
  bool first_simple(uint32_t id, uint32_t value_index) {
    if (value_index < first_id_.size()) {
      uint64_t& word = has_first_[value_index / 64];
      const uint64_t bit = uint64_t{1} << (value_index % 64);
      if (!(word & bit)) {
        word |= bit;
        first_id_[value_index] = id;
        return true;
      }
      if (first_id_[value_index] == id) return false;
    }
    return others_.insert(static_cast<uint64_t>(id) << 32 | value_index);
  }
  bool first_item(uint32_t id, uint32_t map_name, uint32_t value_index) {
    return items_.insert({id, map_name, value_index}).second;
  }

 private:
  struct Item {
    uint32_t id, map_name, value_index;
    bool operator==(const Item&) const = default;
  };
  struct ItemHash {
    size_t operator()(const Item& k) const {
      uint64_t h = (static_cast<uint64_t>(k.id) << 32 | k.map_name) * 0x9E3779B97F4A7C15ull;
      return static_cast<size_t>((h ^ (h >> 31)) + k.value_index * 0xBF58476D1CE4E5B9ull);
    }
  };
  std::vector<uint32_t> first_id_;   // by pool index: the resource that reported it first
  std::vector<uint64_t> has_first_;  // by pool index: whether first_id_ is set
  FlatKeySet others_;                // (id, pool index) pairs not in first_id_
  std::unordered_set<Item, ItemHash> items_;
};

struct Table {
  std::string_view data;
  const Limits& limits;
  ParseNotes& notes;
  const OnResourceString& emit;
  ResourceTableStats& stats;
  const ResourceTableOptions& options;
  StringPool values;
  bool have_values = false;
  StringPool::ShortStrings short_values;  // with options.min_value_units
  ReportedValues reported;  // with options.unique_values
  std::string value_scratch;  // a decoded value, reused from entry to entry
};

struct Package {
  uint32_t id = 0;
  StringPool types;
  StringPool keys;
  uint32_t type_id_offset = 0;
  // Key names read once: every configuration of a type repeats the same keys. Each is a view into
  // the table where the pool holds it as UTF-8 (no copy), else into its decoded copy in
  // key_copies (a deque, so earlier copies stay where their views point). A key that fails to
  // read is empty, as get_or_empty() gives it.
  mutable std::vector<std::string_view> key_names;
  mutable std::vector<uint8_t> key_read;
  mutable std::deque<std::string> key_copies;

  std::string_view key(uint32_t index) const {
    if (index >= keys.size()) return {};
    if (key_names.empty()) {
      key_names.resize(keys.size());
      key_read.resize(keys.size());
    }
    if (!key_read[index]) {
      std::string scratch;
      auto name = keys.get(index, scratch);
      if (name && name->data() == scratch.data()) {
        key_names[index] = key_copies.emplace_back(std::move(scratch));
      } else if (name) {
        key_names[index] = *name;
      }
      key_read[index] = 1;
    }
    return key_names[index];
  }
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

// A config with a language (ResTable_config::language, the 2 bytes after imsi: res/values-fr/,
// values-b+sr+Latn/) holds translations: text for the users of one language.
bool is_translation_config(const ByteReader& r, const ChunkHeader& h) {
  constexpr size_t kLanguage = 8;  // size (4), imsi (4)
  auto csize = r.le_at<uint32_t>(h.offset + kTypeHeaderMin);
  if (!csize || *csize < kLanguage + 2 || h.header_size < kTypeHeaderMin + kLanguage + 2)
    return false;
  auto language = r.le_at<uint16_t>(h.offset + kTypeHeaderMin + kLanguage);
  return language && *language != 0;
}

// A little-endian value at p, which the caller has checked lies inside the data.
template <class T>
T load_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  return v;
}

void emit_string(Table& t, ResourceString& rs, uint32_t string_index, size_t at) {
  if (!t.have_values) {
    t.notes.add("string value at " + hex(at) + " but the table has no global string pool");
    return;
  }
  if (t.short_values.contains(string_index)) return;
  if (t.options.unique_values) {
    bool first = rs.map_name ? t.reported.first_item(rs.id, *rs.map_name, string_index)
                             : t.reported.first_simple(rs.id, string_index);
    if (!first) return;
  }
  rs.value = t.values.try_get(string_index, t.value_scratch);
  if (rs.value.data() == nullptr) {
    auto s = t.values.get(string_index, t.value_scratch);
    if (!s) {
      t.notes.add("value of " + resource_symbol(rs) + " at " + hex(at) + ": " + s.error().message);
      return;
    }
    rs.value = *s;
  }
  ++t.stats.strings;
  t.emit(rs);
}

// One ResTable_entry at `pos`, inside the type chunk `h`.
void read_entry(Table& t, const Package& pkg, const ChunkHeader& h, const std::string& type_name,
                uint32_t res_id, bool default_config, bool translation, size_t pos) {
  // Every read below is checked against the chunk's end first, then made without a reader: a
  // framework-sized table has hundreds of thousands of entries.
  const size_t end = h.end();
  const char* data = t.data.data();
  if (pos > end || end - pos < 8) {
    t.notes.add("entry " + hex(res_id) + " at " + hex(pos) + " runs past its type chunk");
    return;
  }
  const uint16_t esize = load_le<uint16_t>(data + pos);
  const uint16_t flags = load_le<uint16_t>(data + pos + 2);
  const uint32_t key = load_le<uint32_t>(data + pos + 4);
  ++t.stats.entries;
  ResourceString rs;
  rs.id = res_id;
  rs.type = type_name;
  rs.default_config = default_config;
  rs.translation = translation;
  std::string id_key;  // the id stands in for a missing key name
  // Keys are looked up only for entries that hold a string: most entries (ids, layouts, dimens,
  // colors) do not, and their keys need not be decoded at all.
  auto set_key = [&](uint32_t key_index) {
    rs.key = pkg.key(key_index);
    if (rs.key.empty()) rs.key = id_key = hex(res_id);
  };
  if (flags & kEntryFlagCompact) {
    // Compact entry (Android 14+): the key index sits in `size`, the data type in the high byte
    // of `flags`, and the data in the word where the key would be.
    if ((flags >> 8) != kTypeString) return;
    set_key(esize);
    emit_string(t, rs, key, pos);
    return;
  }
  if (esize < 8) {
    t.notes.add("entry " + hex(res_id) + " has size " + std::to_string(esize));
    return;
  }
  if (!(flags & kEntryFlagComplex)) {
    // Res_value after the entry: size, res0, dataType, then the data word.
    if (end - pos < size_t{esize} + 8) {
      set_key(key);
      t.notes.add("value of " + resource_symbol(rs) + " runs past its type chunk");
      return;
    }
    const uint8_t dtype = static_cast<uint8_t>(data[pos + esize + 3]);
    const uint32_t value = load_le<uint32_t>(data + pos + esize + 4);
    if (dtype != kTypeString) return;
    set_key(key);
    emit_string(t, rs, value, pos);
    return;
  }
  set_key(key);
  const std::optional<uint32_t> count =
      end - pos >= 16 ? std::optional<uint32_t>(load_le<uint32_t>(data + pos + 12)) : std::nullopt;
  if (esize < 16 || !count) {
    t.notes.add("complex entry " + resource_symbol(rs) + " has a short header");
    return;
  }
  size_t maps = pos + esize;
  size_t room = maps <= h.end() ? (h.end() - maps) / 12 : 0;
  uint32_t n = *count;
  if (n > room) {
    t.notes.add("complex entry " + resource_symbol(rs) + " claims " + std::to_string(n) +
                " items, room for " + std::to_string(room));
    n = static_cast<uint32_t>(room);
  }
  for (uint32_t i = 0; i < n; ++i) {
    size_t m = maps + static_cast<size_t>(i) * 12;
    uint32_t name = load_le<uint32_t>(data + m);
    uint8_t dtype = static_cast<uint8_t>(data[m + 4 + 3]);
    uint32_t value = load_le<uint32_t>(data + m + 4 + 4);
    if (dtype != kTypeString) continue;
    ResourceString item = rs;
    item.map_name = name;
    emit_string(t, item, value, m);
  }
}

// How many entries ahead of the one being read the value strings are prefetched (16 and 32
// measured the same as 8).
constexpr size_t kPrefetchDistance = 8;
// How far ahead of a run of empty index slots the index is prefetched: a framework-sized table's
// indexes add up to megabytes read as a stream, and the hardware prefetcher starts over at every
// page.
constexpr size_t kIndexPrefetchAhead = 1024;

// Starts loading the value string of the simple (or compact) entry at `pos` into the cache, when
// it holds one: values lie at random places of a global pool of megabytes, and reading them in
// entry order waited on memory once per value. Checks what it reads and reports nothing:
// read_entry() reads the entry again and says what is wrong with it.
void prefetch_value(const Table& t, const ChunkHeader& h, size_t pos) {
  const size_t end = h.end();
  const char* data = t.data.data();
  if (!t.have_values || pos > end || end - pos < 8) return;
  const uint16_t esize = load_le<uint16_t>(data + pos);
  const uint16_t flags = load_le<uint16_t>(data + pos + 2);
  if (flags & kEntryFlagCompact) {
    if ((flags >> 8) == kTypeString) t.values.prefetch(load_le<uint32_t>(data + pos + 4));
    return;
  }
  if ((flags & kEntryFlagComplex) || esize < 8 || end - pos < size_t{esize} + 8) return;
  if (static_cast<uint8_t>(data[pos + esize + 3]) != kTypeString) return;
  t.values.prefetch(load_le<uint32_t>(data + pos + esize + 4));
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
  bool translation = is_translation_config(r, h);
  size_t index = h.body();
  size_t entries = h.offset + entries_start;
  uint32_t id_base = (pkg.id << 24) | (static_cast<uint32_t>(type_id) << 16);
  // The index lies inside the chunk (entry_count <= index_room above), so its slots are read
  // without a check each: a framework-sized table has a million of them, most empty.
  const char* slots = t.data.data() + index;
  // A configuration other than the default holds few of its type's entries (a translation of a
  // handful of strings): its index is mostly empty slots (all bits set), passed 16 bytes at a time.
  const uint32_t per_block = static_cast<uint32_t>(16 / slot);
  // Runs of empty slots are passed 64 bytes at a time first: a locale's configuration holds a few
  // dozen of its type's thousands of strings, and its index was most of the loop's turns.
  const uint32_t per_wide = 4 * per_block;
  auto all_empty64 = [](const char* p) {
    uint64_t w = ~uint64_t{0};
    for (int k = 0; k < 8; ++k) {
      uint64_t v;
      std::memcpy(&v, p + 8 * k, 8);
      w &= v;
    }
    return w == ~uint64_t{0};
  };
  // Entries are read kPrefetchDistance slots behind the scan of the index, which prefetches each
  // one's value string as it finds the entry: by the time the entry is read, its value is in the
  // cache. The entries in between wait in a ring, so memory stays fixed however large the chunk.
  const size_t room = h.end() - entries;
  struct Present {
    uint32_t entry_index;
    uint64_t off;  // from entriesStart
  };
  std::array<Present, kPrefetchDistance> waiting;
  size_t first_waiting = 0, n_waiting = 0;
  auto read = [&](const Present& e) {
    if (e.off >= room) {
      t.notes.add("entry " + std::to_string(e.entry_index) + " of type " + type_name +
                  " points past its chunk");
      return;
    }
    read_entry(t, pkg, h, type_name, id_base | (e.entry_index & 0xFFFF), default_config,
               translation, entries + static_cast<size_t>(e.off));
  };
  auto found = [&](uint32_t entry_index, uint64_t off) {
    if (off < room) prefetch_value(t, h, entries + static_cast<size_t>(off));
    if (n_waiting == kPrefetchDistance) {
      read(waiting[first_waiting]);
      waiting[first_waiting] = {entry_index, off};
      first_waiting = (first_waiting + 1) % kPrefetchDistance;
    } else {
      waiting[(first_waiting + n_waiting++) % kPrefetchDistance] = {entry_index, off};
    }
  };
  for (uint32_t i = 0; i < entry_count; ++i) {
    if (!sparse && entry_count - i >= per_wide && all_empty64(slots + size_t{i} * slot)) {
      if (entry_count - i >= kIndexPrefetchAhead / slot) {
        prefetch_line(slots + size_t{i} * slot + kIndexPrefetchAhead);
      }
      i += per_wide - 1;
      continue;
    }
    if (!sparse && entry_count - i >= per_block) {
      uint64_t a, b;
      std::memcpy(&a, slots + size_t{i} * slot, 8);
      std::memcpy(&b, slots + size_t{i} * slot + 8, 8);
      if ((a & b) == ~uint64_t{0}) {
        i += per_block - 1;
        continue;
      }
    }
    if (sparse) {
      // ResTable_sparseTypeEntry: the entry's index, then its offset divided by 4.
      found(load_le<uint16_t>(slots + size_t{i} * 4),
            static_cast<uint64_t>(load_le<uint16_t>(slots + size_t{i} * 4 + 2)) * 4);
    } else if (offset16) {
      uint16_t o = load_le<uint16_t>(slots + size_t{i} * 2);
      if (o != kNoEntry16) found(i, static_cast<uint64_t>(o) * 4);
    } else {
      uint32_t o = load_le<uint32_t>(slots + size_t{i} * 4);
      if (o != kNoEntry) found(i, o);
    }
  }
  for (; n_waiting > 0; --n_waiting) {
    read(waiting[first_waiting]);
    first_waiting = (first_waiting + 1) % kPrefetchDistance;
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
  std::string out;
  append_resource_symbol(out, s);
  return out;
}

void append_resource_symbol(std::string& out, const ResourceString& s) {
  // "@type/key" in one step: the resource table renders it for every string value it reports
  // (appended piece by piece, each piece checked the capacity again).
  const size_t at = out.size();
  out.resize(at + 2 + s.type.size() + s.key.size());
  char* p = out.data() + at;
  *p++ = '@';
  if (!s.type.empty()) std::memcpy(p, s.type.data(), s.type.size());
  p += s.type.size();
  *p++ = '/';
  if (!s.key.empty()) std::memcpy(p, s.key.data(), s.key.size());
  if (!s.map_name) return;
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
                                                ParseNotes& notes,
                                                const ResourceTableOptions& options) {
  auto th = read_chunk(data, 0, data.size());
  if (!th) return std::unexpected(th.error());
  if (th->type != kResTable || th->header_size < kTableHeaderSize) {
    return make_error(ErrorCode::kMalformed, "not a resource table (chunk type " + hex(th->type) +
                                                 ", header size " +
                                                 std::to_string(th->header_size) + ")",
                      {}, 0);
  }
  ResourceTableStats stats;
  Table t{data, limits, notes, on_string, stats, options, {}, false, {}, {}, {}};
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
        if (options.unique_values) t.reported.reserve(t.values.size());
        if (options.min_value_units) t.short_values = t.values.shorter_than(options.min_value_units);
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
