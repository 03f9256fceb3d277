#include "formats/dex/dex_file.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "formats/dex/mutf8.h"
#include "io/byte_reader.h"

namespace keysweep::dex {

namespace {

constexpr uint32_t kEndianConstant = 0x12345678;
constexpr uint32_t kStringIdSize = 4, kTypeIdSize = 4, kProtoIdSize = 12, kFieldIdSize = 8,
                   kMethodIdSize = 8, kClassDefSize = 32;

// encoded_value types (the low 5 bits of the value's first byte).
constexpr uint8_t kValueByte = 0x00, kValueString = 0x17, kValueArray = 0x1c,
                  kValueAnnotation = 0x1d, kValueNull = 0x1e, kValueBoolean = 0x1f;
// Arrays and annotations nest; real files nest a few levels, hostile ones could recurse forever.
constexpr int kMaxValueDepth = 16;

std::unexpected<Error> malformed(std::string message, uint64_t offset) {
  return make_error(ErrorCode::kMalformed, std::move(message), {}, offset);
}

// The header field at `field_off` says a table of `count` items of `item_size` bytes starts at the
// offset stored right after it; both must describe bytes inside the file.
Result<void> check_table(std::string_view bytes, uint32_t count, uint32_t off, uint32_t item_size,
                         size_t field_off, const char* what) {
  if (count == 0) return {};
  uint64_t size = 0, end = 0;
  if (!checked_mul(count, item_size, &size) || !checked_add(off, size, &end) || end > bytes.size()) {
    return malformed(std::string(what) + " table (" + std::to_string(count) + " items at offset " +
                         std::to_string(off) + ") lies outside the file of " +
                         std::to_string(bytes.size()) + " bytes",
                     field_off);
  }
  return {};
}

// An unsigned LEB128 at `*pos`, read without the Result of ByteReader::uleb128 (class data is
// mostly LEB128s, every string starts with one). False, with `*pos` unchanged, where that would
// fail; uleb128_error() then gives its error.
bool read_uleb128(std::string_view bytes, size_t* pos, uint32_t* out) {
  uint32_t result = 0;
  size_t p = *pos;
  for (int i = 0; i < 5; ++i) {
    if (p >= bytes.size()) return false;
    const uint8_t b = static_cast<uint8_t>(bytes[p++]);
    result |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *pos = p;
      *out = result;
      return true;
    }
  }
  return false;
}

std::unexpected<Error> uleb128_error(std::string_view bytes, size_t pos) {
  ByteReader r(bytes, pos);
  auto v = r.uleb128();
  return std::unexpected(v ? Error{} : v.error());  // only called where read_uleb128 failed
}

// The index of the first NUL in `s` (npos when there is none), and in `*ascii` whether the bytes
// before it are all below 0x80. One pass of eight bytes at a time over the bytes memchr and an
// ASCII check would each read: it runs for every string of the table, most of them short.
size_t find_nul(std::string_view s, bool* ascii) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if constexpr (std::endian::native == std::endian::big) w = std::byteswap(w);  // byte k = bits 8k
    // The lowest flagged byte is the first NUL (a borrow can only flag bytes above a NUL).
    if (const uint64_t nul = (w - kOnes) & ~w & kHighs; nul != 0) {
      const int at = std::countr_zero(nul) / 8;
      const uint64_t before = at == 0 ? 0 : ~uint64_t{0} >> (64 - 8 * at);
      *ascii = ((high | (w & before)) & kHighs) == 0;
      return i + static_cast<size_t>(at);
    }
    high |= w;
  }
  for (; i < s.size(); ++i) {
    if (s[i] == '\0') break;
    high |= static_cast<uint8_t>(s[i]);
  }
  *ascii = (high & kHighs) == 0;
  return i < s.size() ? i : std::string_view::npos;
}

Result<void> skip_encoded_value(ByteReader& r, int depth);

Result<void> skip_encoded_array(ByteReader& r, int depth) {
  auto size = r.uleb128();
  if (!size) return std::unexpected(size.error());
  // Each value takes at least one byte: a count beyond the bytes left cannot be real.
  if (*size > r.remaining()) return malformed("encoded_array size beyond the end of the file", r.pos());
  for (uint32_t i = 0; i < *size; ++i) {
    if (auto s = skip_encoded_value(r, depth); !s) return s;
  }
  return {};
}

Result<void> skip_encoded_annotation(ByteReader& r, int depth) {
  auto type_idx = r.uleb128();
  if (!type_idx) return std::unexpected(type_idx.error());
  auto size = r.uleb128();
  if (!size) return std::unexpected(size.error());
  if (*size > r.remaining()) return malformed("encoded_annotation size beyond the end of the file", r.pos());
  for (uint32_t i = 0; i < *size; ++i) {
    if (auto name = r.uleb128(); !name) return std::unexpected(name.error());
    if (auto s = skip_encoded_value(r, depth); !s) return s;
  }
  return {};
}

Result<void> skip_encoded_value(ByteReader& r, int depth) {
  if (depth > kMaxValueDepth) return malformed("encoded values nested too deeply", r.pos());
  auto head = r.u8();
  if (!head) return std::unexpected(head.error());
  const uint8_t type = *head & 0x1f, arg = *head >> 5;
  switch (type) {
    case kValueArray: return skip_encoded_array(r, depth + 1);
    case kValueAnnotation: return skip_encoded_annotation(r, depth + 1);
    case kValueNull:
    case kValueBoolean: return {};
    case kValueByte: case 0x02: case 0x03: case 0x04: case 0x06: case 0x10: case 0x11:
    case 0x15: case 0x16: case kValueString: case 0x18: case 0x19: case 0x1a: case 0x1b:
      return r.skip(size_t{arg} + 1);
    default:
      return malformed("unknown encoded_value type " + std::to_string(type), r.pos() - 1);
  }
}

}  // namespace

bool has_dex_magic(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.substr(0, 5) != std::string_view("dex\n0", 5) || bytes[7] != '\0') {
    return false;
  }
  if (bytes[5] < '0' || bytes[5] > '9' || bytes[6] < '0' || bytes[6] > '9') return false;
  int version = (bytes[5] - '0') * 10 + (bytes[6] - '0');
  return version >= 35 && version <= 41;
}

Result<DexFile> DexFile::parse(std::string_view bytes, const Limits& limits) {
  if (!has_dex_magic(bytes)) return malformed("not a DEX file (bad magic)", 0);
  if (bytes.size() < kHeaderSize) {
    return malformed("truncated DEX header: " + std::to_string(bytes.size()) + " of " +
                         std::to_string(kHeaderSize) + " bytes",
                     bytes.size());
  }
  ByteReader r(bytes);
  auto u32 = [&r](size_t off) { return *r.le_at<uint32_t>(off); };  // inside the checked header
  if (u32(0x28) != kEndianConstant) {
    return make_error(ErrorCode::kUnsupported, "byte-swapped DEX (endian_tag) is not supported", {},
                      0x28);
  }
  DexHeader h;
  h.version = static_cast<uint32_t>((bytes[5] - '0') * 10 + (bytes[6] - '0'));
  h.file_size = u32(0x20);
  if (h.file_size < kHeaderSize) return malformed("file_size smaller than the header", 0x20);
  if (h.file_size > bytes.size()) {
    return malformed("truncated DEX: header says " + std::to_string(h.file_size) + " bytes, " +
                         std::to_string(bytes.size()) + " present",
                     bytes.size());
  }
  // Bytes past file_size (a v41 container's next DEX, or junk) are not this file's.
  std::string_view file = bytes.substr(0, h.file_size);
  h.string_ids_size = u32(0x38), h.string_ids_off = u32(0x3c);
  h.type_ids_size = u32(0x40), h.type_ids_off = u32(0x44);
  h.proto_ids_size = u32(0x48), h.proto_ids_off = u32(0x4c);
  h.field_ids_size = u32(0x50), h.field_ids_off = u32(0x54);
  h.method_ids_size = u32(0x58), h.method_ids_off = u32(0x5c);
  h.class_defs_size = u32(0x60), h.class_defs_off = u32(0x64);
  if (h.string_ids_size > limits.max_strings) {
    return make_error(ErrorCode::kLimit,
                      std::to_string(h.string_ids_size) + " strings is over the limit of " +
                          std::to_string(limits.max_strings),
                      {}, 0x38);
  }
  struct Table {
    uint32_t count, off, item_size;
    size_t field_off;
    const char* what;
  };
  const Table tables[] = {
      {h.string_ids_size, h.string_ids_off, kStringIdSize, 0x38, "string_ids"},
      {h.type_ids_size, h.type_ids_off, kTypeIdSize, 0x40, "type_ids"},
      {h.proto_ids_size, h.proto_ids_off, kProtoIdSize, 0x48, "proto_ids"},
      {h.field_ids_size, h.field_ids_off, kFieldIdSize, 0x50, "field_ids"},
      {h.method_ids_size, h.method_ids_off, kMethodIdSize, 0x58, "method_ids"},
      {h.class_defs_size, h.class_defs_off, kClassDefSize, 0x60, "class_defs"},
  };
  for (const Table& t : tables) {
    if (auto ok = check_table(file, t.count, t.off, t.item_size, t.field_off, t.what); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return DexFile(file, h);
}

Result<std::string_view> DexFile::string_data(uint32_t idx, size_t max_len, size_t* searched,
                                              bool* ascii) const {
  if (searched) *searched = 0;
  if (idx >= header_.string_ids_size) {
    return malformed("string index " + std::to_string(idx) + " out of range", 0);
  }
  const uint32_t data_off = in_table<uint32_t>(header_.string_ids_off + size_t{idx} * kStringIdSize);
  if (data_off > bytes_.size()) return std::unexpected(ByteReader(bytes_).seek(data_off).error());
  // utf16_size counts UTF-16 units, not bytes; the NUL terminator is what bounds the data.
  size_t pos = data_off;
  if (uint32_t utf16_size = 0; !read_uleb128(bytes_, &pos, &utf16_size)) {
    return uleb128_error(bytes_, pos);
  }
  std::string_view rest = bytes_.substr(pos);
  bool all_ascii = false;
  size_t end = find_nul(rest.substr(0, max_len), &all_ascii);
  if (ascii) *ascii = all_ascii;
  if (searched) *searched = end == std::string_view::npos ? std::min(max_len, rest.size()) : end + 1;
  if (end == std::string_view::npos) {
    return malformed("string " + std::to_string(idx) + " has no terminating NUL", data_off);
  }
  return rest.substr(0, end);
}

Result<std::string> DexFile::string_at(uint32_t idx) const {
  auto data = string_data(idx);
  if (!data) return std::unexpected(data.error());
  return decode_mutf8(*data);
}

Result<uint32_t> DexFile::type_descriptor_idx(uint32_t idx) const {
  if (idx >= header_.type_ids_size) return malformed("type index " + std::to_string(idx) + " out of range", 0);
  return in_table<uint32_t>(header_.type_ids_off + size_t{idx} * kTypeIdSize);
}

Result<uint32_t> DexFile::proto_shorty_idx(uint32_t idx) const {
  if (idx >= header_.proto_ids_size) return malformed("proto index " + std::to_string(idx) + " out of range", 0);
  return in_table<uint32_t>(header_.proto_ids_off + size_t{idx} * kProtoIdSize);
}

std::unexpected<Error> DexFile::index_error(const char* what, uint32_t idx) {
  return malformed(std::string(what) + " index " + std::to_string(idx) + " out of range", 0);
}

Result<ClassDef> DexFile::class_def(uint32_t idx) const {
  if (idx >= header_.class_defs_size) return malformed("class_def index out of range", 0);
  const size_t base = header_.class_defs_off + size_t{idx} * kClassDefSize;
  return ClassDef{in_table<uint32_t>(base), in_table<uint32_t>(base + 24),
                  in_table<uint32_t>(base + 28)};
}

Result<void> DexFile::class_data(uint32_t offset, ClassData& cd) const {
  if (offset > bytes_.size()) return std::unexpected(ByteReader(bytes_).seek(offset).error());
  size_t pos = offset;
  uint32_t sizes[4];
  for (uint32_t& s : sizes) {
    if (!read_uleb128(bytes_, &pos, &s)) return uleb128_error(bytes_, pos);
  }
  // Each encoded member takes at least two bytes; larger counts cannot be real and must not size
  // an allocation.
  uint64_t members = uint64_t{sizes[0]} + sizes[1] + sizes[2] + sizes[3];
  if (members * 2 > bytes_.size() - pos) {
    return malformed("class_data_item counts (" + std::to_string(members) +
                         " members) exceed the bytes left",
                     offset);
  }
  cd.static_field_idx.clear();
  cd.methods.clear();
  cd.static_field_idx.reserve(sizes[0]);
  cd.methods.reserve(size_t{sizes[2]} + sizes[3]);
  for (int list = 0; list < 4; ++list) {
    // Indices are delta-encoded, restarting at each list.
    uint32_t idx = 0;
    for (uint32_t i = 0; i < sizes[list]; ++i) {
      uint32_t diff = 0, access = 0;
      if (!read_uleb128(bytes_, &pos, &diff) || !read_uleb128(bytes_, &pos, &access)) {
        return uleb128_error(bytes_, pos);
      }
      idx += diff;
      if (list == 0) cd.static_field_idx.push_back(idx);
      if (list < 2) continue;
      uint32_t code_off = 0;
      if (!read_uleb128(bytes_, &pos, &code_off)) return uleb128_error(bytes_, pos);
      cd.methods.push_back({idx, code_off});
    }
  }
  cd.encoded_size = pos - offset;
  return {};
}

Result<std::string_view> DexFile::code_insns_checked(uint32_t offset) const {
  ByteReader r(bytes_);
  auto insns_size = r.le_at<uint32_t>(size_t{offset} + 12);
  if (!insns_size) return std::unexpected(insns_size.error());
  auto insns = r.view_at(size_t{offset} + 16, size_t{*insns_size} * 2);
  if (!insns) return malformed("code_item instructions run past the end of the file", offset);
  return *insns;
}

Result<void> DexFile::static_strings(uint32_t offset, std::vector<StaticString>& out,
                                     size_t* encoded_size) const {
  out.clear();
  ByteReader r(bytes_);
  if (auto s = r.seek(offset); !s) return std::unexpected(s.error());
  auto size = r.uleb128();
  if (!size) return std::unexpected(size.error());
  if (*size > r.remaining()) return malformed("static_values size beyond the end of the file", offset);
  for (uint32_t i = 0; i < *size; ++i) {
    auto head = r.le_at<uint8_t>(r.pos());
    if (!head) return std::unexpected(head.error());
    if ((*head & 0x1f) != kValueString) {
      if (auto s = skip_encoded_value(r, 0); !s) return std::unexpected(s.error());
      continue;
    }
    const size_t value_size = size_t{static_cast<uint8_t>(*head >> 5)} + 1;
    if (value_size > 4) return malformed("VALUE_STRING wider than 4 bytes", r.pos());
    (void)r.skip(1);
    auto bytes = r.bytes(value_size);
    if (!bytes) return std::unexpected(bytes.error());
    uint32_t idx = 0;
    for (size_t b = 0; b < value_size; ++b) idx |= uint32_t{static_cast<uint8_t>((*bytes)[b])} << (8 * b);
    out.push_back({i, idx});
  }
  *encoded_size = r.pos() - offset;
  return {};
}

std::string java_class_name(std::string_view descriptor) {
  std::string name;
  append_java_class_name(name, descriptor);
  return name;
}

void append_java_class_name(std::string& out, std::string_view descriptor) {
  if (descriptor.size() < 2 || descriptor.front() != 'L' || descriptor.back() != ';') {
    out.append(descriptor);
    return;
  }
  const size_t start = out.size();
  out.append(descriptor.substr(1, descriptor.size() - 2));
  std::replace(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), '/', '.');
}

Result<StringTable> read_strings(const DexFile& dex, size_t* bad_strings) {
  StringTable table;
  const uint32_t count = dex.header().string_ids_size;  // bounded by the file size at parse time
  table.views_.resize(count);
  // Strings that need decoding go to one buffer; their views are made once it stops growing.
  struct Decoded {
    uint32_t index;
    size_t offset, size;
  };
  std::vector<Decoded> decoded;
  std::string& buffer = *table.decoded_;
  size_t bad = 0;
  uint64_t budget = 2 * uint64_t{dex.header().file_size};
  const std::string_view bytes = dex.bytes_;
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view data;
    bool ascii = false;
    // Most strings lie in the file, have a one-byte length (under 128 UTF-16 units) and their NUL
    // within the budget: string_data()'s reads, made here without a call and a Result each. The
    // others go through string_data(), which gives the same bytes and counts the same search.
    const uint32_t off = dex.in_table<uint32_t>(dex.header_.string_ids_off + size_t{i} * kStringIdSize);
    size_t end = std::string_view::npos;
    std::string_view rest;
    if (off < bytes.size() && !(static_cast<uint8_t>(bytes[off]) & 0x80)) {
      rest = bytes.substr(off + 1);
      end = find_nul(rest.substr(0, budget), &ascii);
    }
    if (end != std::string_view::npos) {
      budget -= std::min<uint64_t>(budget, end + 1);
      data = rest.substr(0, end);
    } else {
      size_t searched = 0;
      auto checked = dex.string_data(i, budget, &searched, &ascii);
      budget -= std::min<uint64_t>(budget, searched);
      if (!checked) {
        ++bad;
        continue;
      }
      data = *checked;
    }
    if (ascii) {
      table.views_[i] = data;
      continue;
    }
    size_t at = buffer.size();
    append_mutf8_as_utf8(buffer, data);
    decoded.push_back({i, at, buffer.size() - at});
  }
  for (const Decoded& d : decoded) table.views_[d.index] = std::string_view(buffer).substr(d.offset, d.size);
  if (bad_strings) *bad_strings = bad;
  return table;
}

Result<std::vector<std::string>> read_string_table(const DexFile& dex, size_t* bad_strings) {
  auto table = read_strings(dex, bad_strings);
  if (!table) return std::unexpected(table.error());
  std::vector<std::string> strings;
  strings.reserve(table->size());
  for (size_t i = 0; i < table->size(); ++i) strings.emplace_back((*table)[i]);
  return strings;
}

Result<std::vector<std::string>> read_string_table(std::string_view bytes, const Limits& limits) {
  auto dex = DexFile::parse(bytes, limits);
  if (!dex) return std::unexpected(dex.error());
  return read_string_table(*dex);
}

}  // namespace keysweep::dex
