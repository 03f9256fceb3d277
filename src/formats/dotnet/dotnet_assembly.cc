#include "formats/dotnet/dotnet_assembly.h"

#include <lz4.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "formats/dotnet/dotnet_il.h"
#include "io/byte_reader.h"
#include "io/utf16.h"

namespace keysweep {

namespace {

constexpr uint32_t kCliDirectory = 14;
constexpr uint16_t kMaxSections = 96;  // the PE loader's own limit
constexpr uint32_t kMetadataSignature = 0x424A5342;  // "BSJB"
constexpr uint32_t kMaxStreams = 64;
constexpr uint8_t kElementTypeString = 0x0E;
// Table ids (ECMA-335 §22).
enum : uint32_t {
  kModule = 0x00, kTypeRef = 0x01, kTypeDef = 0x02, kFieldPtr = 0x03, kField = 0x04,
  kMethodPtr = 0x05, kMethodDef = 0x06, kParamPtr = 0x07, kParam = 0x08, kInterfaceImpl = 0x09,
  kMemberRef = 0x0A, kConstant = 0x0B, kProperty = 0x17, kModuleRef = 0x1A, kTypeSpec = 0x1B,
  kAssemblyRef = 0x23,
};

Result<void> malformed(std::string what, uint64_t offset) {
  return make_error(ErrorCode::kMalformed, std::move(what), {}, offset);
}

struct Section {
  uint32_t va = 0, vsize = 0, raw_size = 0, raw_offset = 0;
};

struct PeImage {
  std::string_view bytes;
  std::vector<Section> sections;
  // File offset of `size` bytes at `rva`, when a section holds all of them on disk.
  std::optional<uint64_t> offset_of(uint64_t rva, uint64_t size) const {
    for (const Section& s : sections) {
      uint64_t span = std::max(s.vsize, s.raw_size);
      if (rva < s.va || rva - s.va >= span) continue;
      uint64_t delta = rva - s.va, end = 0;
      if (!checked_add(delta, size, &end) || end > s.raw_size) return std::nullopt;
      uint64_t off = uint64_t{s.raw_offset} + delta;
      if (off > bytes.size() || size > bytes.size() - off) return std::nullopt;
      return off;
    }
    return std::nullopt;
  }
};

// The CLI directory's RVA and size, and the section table; shared by sniffing and parsing.
Result<std::pair<PeImage, std::pair<uint32_t, uint32_t>>> read_pe(std::string_view bytes) {
  ByteReader r(bytes);
  if (bytes.size() < 0x40 || bytes.substr(0, 2) != "MZ")
    return make_error(ErrorCode::kMalformed, "not a PE image (no MZ header)");
  const uint32_t pe = *r.le_at<uint32_t>(0x3C);
  auto sig = r.view_at(pe, 4);
  if (!sig || *sig != std::string_view("PE\0\0", 4))
    return make_error(ErrorCode::kMalformed, "no PE signature where the DOS header points", {}, 0x3C);
  auto nsec = r.le_at<uint16_t>(uint64_t{pe} + 6);
  auto opt_size = r.le_at<uint16_t>(uint64_t{pe} + 20);
  const uint64_t opt = uint64_t{pe} + 24;
  auto magic = r.le_at<uint16_t>(opt);
  if (!nsec || !opt_size || !magic) return make_error(ErrorCode::kMalformed, "truncated PE header", {}, pe);
  uint64_t count_at = 0, dirs_at = 0;
  if (*magic == 0x10b) {
    count_at = opt + 92, dirs_at = opt + 96;
  } else if (*magic == 0x20b) {
    count_at = opt + 108, dirs_at = opt + 112;
  } else {
    return make_error(ErrorCode::kMalformed, "unknown optional header magic", {}, opt);
  }
  auto ndirs = r.le_at<uint32_t>(count_at);
  if (!ndirs) return make_error(ErrorCode::kMalformed, "truncated optional header", {}, opt);
  if (*ndirs <= kCliDirectory) return make_error(ErrorCode::kMalformed, "no CLI header (not a .NET assembly)");
  if (dirs_at + (kCliDirectory + 1) * 8 > opt + *opt_size)
    return make_error(ErrorCode::kMalformed, "data directories run past the optional header", {}, opt);
  auto cli_rva = r.le_at<uint32_t>(dirs_at + kCliDirectory * 8);
  auto cli_size = r.le_at<uint32_t>(dirs_at + kCliDirectory * 8 + 4);
  if (!cli_rva || !cli_size) return make_error(ErrorCode::kMalformed, "truncated data directories", {}, dirs_at);
  if (*cli_rva == 0) return make_error(ErrorCode::kMalformed, "no CLI header (not a .NET assembly)");
  if (*nsec > kMaxSections) return make_error(ErrorCode::kMalformed, "too many sections", {}, pe + 6);
  PeImage img{bytes, {}};
  const uint64_t sec_at = opt + *opt_size;
  for (uint32_t i = 0; i < *nsec; ++i) {
    uint64_t h = sec_at + uint64_t{i} * 40;
    auto vsize = r.le_at<uint32_t>(h + 8), va = r.le_at<uint32_t>(h + 12);
    auto raw_size = r.le_at<uint32_t>(h + 16), raw_off = r.le_at<uint32_t>(h + 20);
    if (!vsize || !va || !raw_size || !raw_off)
      return make_error(ErrorCode::kMalformed, "section table runs past the end of the file", {}, h);
    img.sections.push_back({*va, *vsize, *raw_size, *raw_off});
  }
  return std::pair{std::move(img), std::pair{*cli_rva, *cli_size}};
}

// ECMA-335 §II.23.2 compressed unsigned integer.
std::optional<uint32_t> compressed_uint(ByteReader& r) {
  auto b0 = r.u8();
  if (!b0) return std::nullopt;
  if ((*b0 & 0x80) == 0) return *b0;
  if ((*b0 & 0xC0) == 0x80) {
    auto b1 = r.u8();
    if (!b1) return std::nullopt;
    return (uint32_t{*b0 & 0x3Fu} << 8) | *b1;
  }
  if ((*b0 & 0xE0) == 0xC0) {
    auto rest = r.bytes(3);
    if (!rest) return std::nullopt;
    return (uint32_t{*b0 & 0x1Fu} << 24) | (uint32_t{static_cast<uint8_t>((*rest)[0])} << 16) |
           (uint32_t{static_cast<uint8_t>((*rest)[1])} << 8) | static_cast<uint8_t>((*rest)[2]);
  }
  return std::nullopt;
}

// A #US or #Blob string: UTF-16LE code units; a #US entry's odd last byte is a flag, not text.
std::string user_string_text(std::string_view blob) {
  return utf16le_to_utf8(blob.substr(0, blob.size() & ~size_t{1}));
}

// The #~ tables this reader uses: row counts, row sizes and where each table starts.
class MetadataTables {
 public:
  Result<void> parse(std::string_view stream) {
    ByteReader r(stream);
    auto heap_sizes = r.le_at<uint8_t>(6);
    auto valid = r.le_at<uint64_t>(8);
    if (!heap_sizes || !valid) return malformed("truncated #~ stream header", 0);
    str_ = (*heap_sizes & 1) ? 4 : 2;
    guid_ = (*heap_sizes & 2) ? 4 : 2;
    blob_ = (*heap_sizes & 4) ? 4 : 2;
    uint64_t pos = 24;
    for (uint32_t t = 0; t < 64; ++t) {
      if (!(*valid >> t & 1)) continue;
      auto n = r.le_at<uint32_t>(pos);
      if (!n) return malformed("#~ row counts run past the stream", pos);
      rows_[t] = *n;
      pos += 4;
    }
    if (*heap_sizes & 0x40) pos += 4;  // extra data in uncompressed (#-) streams
    // Tables are laid out in id order; only those up to Constant are needed to reach ours.
    static constexpr uint32_t kKnownUpTo = kConstant;
    for (uint32_t t = 0; t <= kKnownUpTo; ++t) {
      start_[t] = pos;
      uint64_t bytes = 0;
      if (!checked_mul(rows_[t], row_size(t), &bytes) || !checked_add(pos, bytes, &pos) ||
          pos > stream.size())
        return malformed("metadata table 0x" + hex(t) + " (" + std::to_string(rows_[t]) +
                             " rows) runs past the #~ stream",
                         start_[t]);
    }
    data_ = stream;
    return {};
  }

  uint32_t rows(uint32_t t) const { return rows_[t]; }
  // Column `col` (by byte offset within the row) of `row` (1-based) in table `t`, `width` bytes.
  uint32_t get(uint32_t t, uint32_t row, uint64_t col, uint32_t width) const {
    uint64_t at = start_[t] + uint64_t{row - 1} * row_size(t) + col;
    ByteReader r(data_);
    return width == 2 ? *r.le_at<uint16_t>(at) : *r.le_at<uint32_t>(at);
  }
  uint32_t str() const { return str_; }
  uint32_t blob() const { return blob_; }
  uint32_t idx(uint32_t t) const { return rows_[t] < 0x10000 ? 2 : 4; }
  uint32_t coded(std::initializer_list<uint32_t> tables) const {
    uint32_t bits = 0;
    while ((1u << bits) < tables.size()) ++bits;
    uint32_t max = 0;
    for (uint32_t t : tables) max = std::max(max, rows_[t]);
    return max < (1u << (16 - bits)) ? 2 : 4;
  }
  uint64_t row_size(uint32_t t) const {
    switch (t) {
      case kModule: return 2 + str_ + 3 * guid_;
      case kTypeRef: return coded({kModule, kModuleRef, kAssemblyRef, kTypeRef}) + 2 * str_;
      case kTypeDef:
        return 4 + 2 * str_ + coded({kTypeDef, kTypeRef, kTypeSpec}) + idx(kField) + idx(kMethodDef);
      case kFieldPtr: return idx(kField);
      case kField: return 2 + str_ + blob_;
      case kMethodPtr: return idx(kMethodDef);
      case kMethodDef: return 4 + 2 + 2 + str_ + blob_ + idx(kParam);
      case kParamPtr: return idx(kParam);
      case kParam: return 2 + 2 + str_;
      case kInterfaceImpl: return idx(kTypeDef) + coded({kTypeDef, kTypeRef, kTypeSpec});
      case kMemberRef:
        return coded({kTypeDef, kTypeRef, kModuleRef, kMethodDef, kTypeSpec}) + str_ + blob_;
      case kConstant: return 2 + coded({kField, kParam, kProperty}) + blob_;
      default: return 0;
    }
  }

  static std::string hex(uint64_t v) {
    static const char* d = "0123456789abcdef";
    std::string s;
    do {
      s.insert(s.begin(), d[v & 15]);
      v >>= 4;
    } while (v);
    return s;
  }

 private:
  std::array<uint32_t, 64> rows_{};
  std::array<uint64_t, 64> start_{};
  uint32_t str_ = 2, guid_ = 2, blob_ = 2;
  std::string_view data_;
};

std::string heap_string(std::string_view strings, uint32_t index) {
  if (index >= strings.size()) return "?";
  std::string_view s = strings.substr(index);
  return std::string(s.substr(0, std::min<size_t>(s.find('\0'), 512)));
}

struct Streams {
  std::string_view tables, strings, us, blob;
};

// Labels literals with the methods that load them and lists const string fields. Problems here
// leave the literals unlabelled rather than failing the file: the literals are what matter.
Result<void> read_tables(const PeImage& img, const Streams& st, uint64_t budget,
                         std::map<uint32_t, std::string>& ldstr_owner,
                         std::vector<DotnetString>& constants) {
  MetadataTables t;
  if (auto r = t.parse(st.tables); !r) return r;
  if (t.rows(kFieldPtr) || t.rows(kMethodPtr))
    return malformed("uncompressed metadata (#- with pointer tables) is not read", 0);
  // Owning type of each field and method: TypeDef rows own runs starting at FieldList/MethodList.
  const uint32_t s = t.str();
  const uint64_t extends_w = t.coded({kTypeDef, kTypeRef, kTypeSpec});
  struct Type {
    std::string name;
    uint32_t first_field, first_method;
  };
  std::vector<Type> types;
  types.reserve(t.rows(kTypeDef));
  for (uint32_t row = 1; row <= t.rows(kTypeDef); ++row) {
    std::string name = heap_string(st.strings, t.get(kTypeDef, row, 4, s));
    std::string ns = heap_string(st.strings, t.get(kTypeDef, row, 4 + s, s));
    uint64_t col = 4 + 2 * s + extends_w;
    types.push_back({ns.empty() ? name : ns + "." + name, t.get(kTypeDef, row, col, t.idx(kField)),
                     t.get(kTypeDef, row, col + t.idx(kField), t.idx(kMethodDef))});
  }
  // The owner of a row is the type with the last run starting at or before it. Sorted copies of
  // the run starts keep the lookup logarithmic even when a hostile file lists them out of order.
  std::vector<std::pair<uint32_t, size_t>> field_runs, method_runs;
  for (size_t i = 0; i < types.size(); ++i) {
    field_runs.emplace_back(types[i].first_field, i);
    method_runs.emplace_back(types[i].first_method, i);
  }
  std::stable_sort(field_runs.begin(), field_runs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::stable_sort(method_runs.begin(), method_runs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto owner = [&](uint32_t row, bool method) -> std::string {
    const auto& runs = method ? method_runs : field_runs;
    auto it = std::upper_bound(runs.begin(), runs.end(), row,
                               [](uint32_t v, const auto& run) { return v < run.first; });
    if (it == runs.begin()) return {};
    return types[std::prev(it)->second].name + ".";
  };

  // Method bodies: walk each distinct body once, within a work budget (bodies may overlap).
  uint64_t work = 0;
  std::map<uint64_t, bool> seen;
  for (uint32_t row = 1; row <= t.rows(kMethodDef); ++row) {
    const uint32_t rva = t.get(kMethodDef, row, 0, 4);
    if (rva == 0) continue;  // abstract, extern, runtime-implemented
    auto hdr = img.offset_of(rva, 1);
    if (!hdr || seen.count(*hdr)) continue;
    seen[*hdr] = true;
    ByteReader r(img.bytes);
    const uint8_t first = *r.le_at<uint8_t>(*hdr);
    uint64_t code_at = 0, code_size = 0;
    if ((first & 3) == 2) {  // tiny header: size in the upper six bits
      code_at = *hdr + 1;
      code_size = first >> 2;
    } else if ((first & 3) == 3) {  // fat header: 12 bytes, size at +4
      auto flags = r.le_at<uint16_t>(*hdr);
      auto size = r.le_at<uint32_t>(*hdr + 4);
      if (!flags || !size) continue;
      code_at = *hdr + static_cast<uint64_t>((*flags >> 12) & 0xF) * 4;
      code_size = *size;
    } else {
      continue;
    }
    auto code = r.view_at(code_at, code_size);
    if (!code) continue;
    work += code->size();
    if (work > budget) return make_error(ErrorCode::kLimit, "method bodies exceed the work budget");
    std::string name = owner(row, true) + heap_string(st.strings, t.get(kMethodDef, row, 8, s)) + "()";
    walk_il_for_ldstr(*code, [&](uint32_t us) { ldstr_owner.emplace(us, name); });
  }

  // Const string fields: Constant rows whose parent is a Field (tag 0) and whose type is string.
  const uint32_t parent_w = t.coded({kField, kParam, kProperty});
  for (uint32_t row = 1; row <= t.rows(kConstant); ++row) {
    const uint32_t type = t.get(kConstant, row, 0, 2) & 0xFF;
    const uint32_t parent = t.get(kConstant, row, 2, parent_w);
    const uint32_t value = t.get(kConstant, row, 2 + parent_w, t.blob());
    if (type != kElementTypeString || (parent & 3) != 0) continue;
    const uint32_t field = parent >> 2;
    if (field == 0 || field > t.rows(kField) || value >= st.blob.size()) continue;
    ByteReader br(st.blob, value);
    auto len = compressed_uint(br);
    if (!len) continue;
    auto data = br.bytes(*len);
    if (!data) continue;
    std::string fname = heap_string(st.strings, t.get(kField, field, 2, s));
    constants.push_back({owner(field, false) + fname, user_string_text(*data)});
  }
  return {};
}

}  // namespace

bool looks_like_dotnet_assembly(std::string_view bytes) { return read_pe(bytes).has_value(); }

Result<DotnetAssembly> parse_dotnet_assembly(std::string_view bytes, uint64_t max_value_bytes) {
  auto pe = read_pe(bytes);
  if (!pe) return std::unexpected(pe.error());
  const PeImage& img = pe->first;
  ByteReader r(bytes);
  auto cli = img.offset_of(pe->second.first, 16);
  if (!cli) return make_error(ErrorCode::kMalformed, "CLI header lies outside every section");
  const uint32_t md_rva = *r.le_at<uint32_t>(*cli + 8), md_size = *r.le_at<uint32_t>(*cli + 12);
  auto md = img.offset_of(md_rva, md_size);
  if (!md) return make_error(ErrorCode::kMalformed, "metadata lies outside every section", {}, *cli + 8);
  ByteReader m(bytes.substr(*md, md_size));
  auto sig = m.le_at<uint32_t>(0);
  if (!sig || *sig != kMetadataSignature)
    return make_error(ErrorCode::kMalformed, "no metadata signature (BSJB)", {}, *md);
  auto ver_len = m.le_at<uint32_t>(12);
  if (!ver_len || *ver_len > 255 || !m.seek(16 + *ver_len))
    return make_error(ErrorCode::kMalformed, "bad metadata version string", {}, *md + 12);
  auto flags = m.u16le();
  auto nstreams = m.u16le();
  if (!flags || !nstreams) return make_error(ErrorCode::kMalformed, "truncated metadata root", {}, *md);
  if (*nstreams > kMaxStreams)
    return make_error(ErrorCode::kMalformed, std::to_string(*nstreams) + " metadata streams", {}, *md);
  Streams st;
  for (uint32_t i = 0; i < *nstreams; ++i) {
    const uint64_t at = m.pos();
    auto off = m.u32le(), size = m.u32le();
    if (!off || !size) return make_error(ErrorCode::kMalformed, "stream headers run past the metadata", {}, *md + at);
    std::string name;
    while (name.size() < 32) {
      auto c = m.u8();
      if (!c) return make_error(ErrorCode::kMalformed, "stream name runs past the metadata", {}, *md + at);
      if (*c == 0) break;
      name += static_cast<char>(*c);
    }
    if (auto pad = (m.pos()) % 4; pad && !m.skip(4 - pad))
      return make_error(ErrorCode::kMalformed, "stream headers run past the metadata", {}, *md + at);
    auto data = m.view_at(*off, *size);
    if (!data)
      return make_error(ErrorCode::kMalformed, "stream " + name + " lies outside the metadata", {}, *md + at);
    if (name == "#~" || name == "#-") st.tables = *data;
    else if (name == "#Strings") st.strings = *data;
    else if (name == "#US") st.us = *data;
    else if (name == "#Blob") st.blob = *data;
  }

  DotnetAssembly out;
  std::map<uint32_t, std::string> ldstr_owner;
  std::vector<DotnetString> constants;
  if (st.tables.empty()) {
    out.tables_problem = "no #~ stream";
  } else if (auto t = read_tables(img, st, 16 * uint64_t{bytes.size()} + (1u << 20), ldstr_owner, constants);
             !t) {
    out.tables_problem = t.error().message;
    ldstr_owner.clear();
    constants.clear();
  } else {
    out.tables_read = true;
  }

  uint64_t total = 0;
  ByteReader us(st.us);
  (void)us.skip(1);  // offset 0 is the empty string
  while (us.remaining() > 0) {
    const uint32_t offset = static_cast<uint32_t>(us.pos());
    auto len = compressed_uint(us);
    if (!len) return make_error(ErrorCode::kMalformed, "bad length in the #US heap", {}, offset);
    if (*len == 0) continue;  // padding at the heap's end
    auto data = us.bytes(*len);
    if (!data) return make_error(ErrorCode::kMalformed, "#US string runs past the heap", {}, offset);
    ++out.user_strings;
    std::string value = user_string_text(*data);
    total += value.size();
    if (total > max_value_bytes)
      return make_error(ErrorCode::kLimit, "#US strings over the limit of " + std::to_string(max_value_bytes) + " bytes");
    auto it = ldstr_owner.find(offset);
    std::string symbol = it != ldstr_owner.end() ? it->second : "#US 0x" + MetadataTables::hex(offset);
    out.strings.push_back({std::move(symbol), std::move(value)});
  }
  for (DotnetString& c : constants) out.strings.push_back(std::move(c));
  return out;
}

Result<std::string> decompress_xalz(std::string_view bytes, uint64_t max_size) {
  ByteReader r(bytes);
  auto magic = r.bytes(4);
  auto index = r.u32le();
  auto size = r.u32le();
  if (!magic || *magic != kXalzMagic || !index || !size)
    return make_error(ErrorCode::kMalformed, "truncated XALZ header");
  if (*size > max_size || *size > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE))
    return make_error(ErrorCode::kLimit, "XALZ assembly of " + std::to_string(*size) +
                                             " bytes is over the limit of " + std::to_string(max_size), {}, 8);
  if (bytes.size() - 12 > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE))
    return make_error(ErrorCode::kTooLarge, "XALZ block too large for LZ4");
  std::string out(*size, '\0');
  const int n = LZ4_decompress_safe(bytes.data() + 12, out.data(), static_cast<int>(bytes.size() - 12),
                                    static_cast<int>(out.size()));
  if (n < 0 || static_cast<uint32_t>(n) != *size)
    return make_error(ErrorCode::kMalformed, "XALZ block does not decompress to its stated " +
                                                 std::to_string(*size) + " bytes", {}, 12);
  return out;
}

}  // namespace keysweep
