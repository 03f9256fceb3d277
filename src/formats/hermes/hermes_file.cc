#include "formats/hermes/hermes_file.h"

#include <string>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

// The delta-prepped form (magic inverted) is an intermediate for binary diffs, never shipped.
constexpr uint64_t kHermesDeltaMagic = ~kHermesMagic;
constexpr uint32_t kOverflowedLength = 0xFF;

// One table of the file: `count` entries of `entry` bytes from `pos`, then `pos` moves past it,
// aligned to 4 bytes as hermesc writes every segment.
Result<std::string_view> take_table(const ByteReader& r, uint64_t& pos, uint64_t count,
                                     uint64_t entry, const char* what) {
  uint64_t bytes = 0, end = 0;
  if (!checked_mul(count, entry, &bytes) || !checked_add(pos, bytes, &end) || end > r.size()) {
    return make_error(ErrorCode::kMalformed,
                      std::string(what) + " (" + std::to_string(count) + " entries) runs past the end "
                          "of the file (" + std::to_string(r.size()) + " bytes)",
                      {}, pos);
  }
  auto v = r.view_at(pos, bytes);
  if (!v) return std::unexpected(v.error());
  pos = (end + 3) & ~uint64_t{3};
  return *v;
}

// StringKind::Entry: a run of `count` strings of one kind, the top bit set for identifiers.
constexpr uint32_t kKindIdentifierBit = 1u << 31;

// The run-length string kinds must describe every string once and every identifier once; checked
// where the function-header size is inferred rather than read from source for that version.
Result<void> check_string_kinds(std::string_view kinds, uint32_t string_count,
                                uint32_t identifier_count, uint32_t version) {
  ByteReader k(kinds);
  uint64_t strings = 0, identifiers = 0;
  for (uint64_t at = 0; at + 4 <= kinds.size(); at += 4) {
    const uint32_t e = *k.le_at<uint32_t>(at);
    strings += e & ~kKindIdentifierBit;
    if (e & kKindIdentifierBit) identifiers += e & ~kKindIdentifierBit;
  }
  if (strings == string_count && identifiers == identifier_count) return {};
  return make_error(ErrorCode::kUnsupported,
                    "Hermes bytecode version " + std::to_string(version) +
                        " does not match the static Hermes layout (12-byte function headers): its "
                        "string kinds cover " + std::to_string(strings) + " strings and " +
                        std::to_string(identifiers) + " identifiers, the header says " +
                        std::to_string(string_count) + " and " + std::to_string(identifier_count));
}

}  // namespace

size_t hermes_function_header_size(uint32_t version) {
  if (version >= kHermesMinVersion && version <= 96) return 16;
  if (version >= 97 && version <= kHermesMaxVersion) return 12;
  return 0;
}

Result<HermesFile> parse_hermes(std::string_view bytes) {
  ByteReader r(bytes);
  auto magic = r.le_at<uint64_t>(0);
  if (!magic || (*magic != kHermesMagic && *magic != kHermesDeltaMagic))
    return make_error(ErrorCode::kMalformed, "not Hermes bytecode (no magic)");
  if (*magic == kHermesDeltaMagic)
    return make_error(ErrorCode::kUnsupported, "Hermes bytecode in delta-prepped form");
  if (bytes.size() < kHermesHeaderSize)
    return make_error(ErrorCode::kMalformed, "truncated Hermes header: " +
                                                 std::to_string(bytes.size()) + " bytes of 128");
  HermesFile f;
  f.version = *r.le_at<uint32_t>(8);
  const size_t function_header_size = hermes_function_header_size(f.version);
  if (function_header_size == 0)
    return make_error(ErrorCode::kUnsupported,
                      "Hermes bytecode version " + std::to_string(f.version) +
                          " is not supported (versions 74-99 are; its layout is not known here, so "
                          "the file is scanned as raw bytes)",
                      {}, 8);
  f.file_length = *r.le_at<uint32_t>(32);
  const uint32_t function_count = *r.le_at<uint32_t>(40);
  const uint32_t string_kind_count = *r.le_at<uint32_t>(44);
  const uint32_t identifier_count = *r.le_at<uint32_t>(48);
  const uint32_t string_count = *r.le_at<uint32_t>(52);
  const uint32_t overflow_count = *r.le_at<uint32_t>(56);
  const uint32_t storage_size = *r.le_at<uint32_t>(60);

  uint64_t pos = kHermesHeaderSize;
  // Every count is checked against the bytes that remain before anything is allocated from it.
  auto functions = take_table(r, pos, function_count, function_header_size,
                              "function header table");
  if (!functions) return std::unexpected(functions.error());
  auto kinds = take_table(r, pos, string_kind_count, 4, "string kind table");
  if (!kinds) return std::unexpected(kinds.error());
  if (function_header_size == 12) {
    auto checked = check_string_kinds(*kinds, string_count, identifier_count, f.version);
    if (!checked) return std::unexpected(checked.error());
  }
  auto hashes = take_table(r, pos, identifier_count, 4, "identifier hash table");
  if (!hashes) return std::unexpected(hashes.error());
  auto small = take_table(r, pos, string_count, 4, "string table");
  if (!small) return std::unexpected(small.error());
  auto overflow = take_table(r, pos, overflow_count, 8, "overflow string table");
  if (!overflow) return std::unexpected(overflow.error());
  auto storage = take_table(r, pos, storage_size, 1, "string storage");
  if (!storage) return std::unexpected(storage.error());

  ByteReader small_r(*small), overflow_r(*overflow), storage_r(*storage);
  f.strings.resize(string_count);
  for (uint32_t i = 0; i < string_count; ++i) {
    // Bit fields, low bit first: isUTF16:1, offset:23, length:8.
    const uint32_t e = *small_r.le_at<uint32_t>(uint64_t{i} * 4);
    const bool utf16 = e & 1;
    uint64_t offset = (e >> 1) & 0x7FFFFF, length = e >> 24;
    if (length == kOverflowedLength) {
      // The offset field is an index into the overflow table, which holds the real pair.
      auto o = overflow_r.le_at<uint32_t>(offset * 8);
      auto l = overflow_r.le_at<uint32_t>(offset * 8 + 4);
      if (!o || !l) {
        ++f.bad_entries;
        continue;
      }
      offset = *o;
      length = *l;
    }
    auto raw = storage_r.view_at(offset, utf16 ? length * 2 : length);
    if (!raw) {
      ++f.bad_entries;
      continue;
    }
    f.strings[i] = HermesString{*raw, utf16};
  }
  return f;
}

}  // namespace keysweep
