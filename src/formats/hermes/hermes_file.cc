#include "formats/hermes/hermes_file.h"

#include <string>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

// The delta-prepped form (magic inverted) is an intermediate for binary diffs, never shipped.
constexpr uint64_t kHermesDeltaMagic = ~kHermesMagic;
constexpr size_t kSmallFuncHeaderSize = 16;  // four words, 74..96
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

}  // namespace

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
  if (f.version < kHermesMinVersion || f.version > kHermesMaxVersion)
    return make_error(ErrorCode::kUnsupported,
                      "Hermes bytecode version " + std::to_string(f.version) +
                          " is not supported (versions 74-96 are)",
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
  auto functions = take_table(r, pos, function_count, kSmallFuncHeaderSize, "function header table");
  if (!functions) return std::unexpected(functions.error());
  auto kinds = take_table(r, pos, string_kind_count, 4, "string kind table");
  if (!kinds) return std::unexpected(kinds.error());
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
