#include "formats/android_res/string_pool.h"

#include <bit>
#include <cstring>

#include "io/byte_reader.h"
#include "io/utf16.h"

namespace keysweep::android_res {

namespace {

constexpr size_t kPoolHeaderSize = 28;  // sizeof(ResStringPool_header)
constexpr uint32_t kUtf8Flag = 0x100;

// aapt2 writes characters outside the BMP in UTF-8 pools as two 3-byte surrogates (CESU-8, as
// Java's modified UTF-8 does). Joins each such pair into one 4-byte sequence; leaves lone halves.
void join_surrogate_pairs(std::string& s) {
  size_t n = s.size();
  if (s.find('\xED') == std::string::npos) return;
  std::string out;
  out.reserve(n);
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  for (size_t i = 0; i < n;) {
    if (i + 6 <= n && byte(i) == 0xED && (byte(i + 1) & 0xF0) == 0xA0 &&
        (byte(i + 2) & 0xC0) == 0x80 && byte(i + 3) == 0xED && (byte(i + 4) & 0xF0) == 0xB0 &&
        (byte(i + 5) & 0xC0) == 0x80) {
      uint32_t hi = 0xD000 | ((byte(i + 1) & 0x3F) << 6) | (byte(i + 2) & 0x3F);
      uint32_t lo = 0xD000 | ((byte(i + 4) & 0x3F) << 6) | (byte(i + 5) & 0x3F);
      append_utf8_codepoint(out, combine_surrogates(hi, lo));
      i += 6;
    } else {
      out += s[i++];
    }
  }
  s = std::move(out);
}

}  // namespace

Result<StringPool> StringPool::parse(std::string_view data, size_t offset, size_t limit,
                                     const Limits& limits, ParseNotes* notes) {
  if (limit > data.size()) limit = data.size();
  ByteReader r(data.substr(0, limit));
  auto type = r.le_at<uint16_t>(offset);
  auto hsize = r.le_at<uint16_t>(offset + 2);
  auto csize = r.le_at<uint32_t>(offset + 4);
  if (!type || !hsize || !csize) {
    return make_error(ErrorCode::kMalformed, "string pool header cut short", {}, offset);
  }
  if (*type != kResStringPool) {
    return make_error(ErrorCode::kMalformed, "expected a string pool, found chunk type " + hex(*type),
                      {}, offset);
  }
  size_t size = *csize;
  if (size > limit - offset) {
    if (notes) {
      notes->add("string pool at " + hex(offset) + " declares " + std::to_string(size) +
                 " bytes, only " + std::to_string(limit - offset) + " present; read what is there");
    }
    size = limit - offset;
  }
  if (size < kPoolHeaderSize || *hsize < kPoolHeaderSize || *hsize > size) {
    return make_error(ErrorCode::kMalformed,
                      "string pool header size " + std::to_string(*hsize) + " in a chunk of " +
                          std::to_string(size) + " bytes",
                      {}, offset);
  }
  uint32_t count = *r.le_at<uint32_t>(offset + 8);
  uint32_t style_count = *r.le_at<uint32_t>(offset + 12);
  uint32_t flags = *r.le_at<uint32_t>(offset + 16);
  uint32_t strings_start = *r.le_at<uint32_t>(offset + 20);
  uint32_t styles_start = *r.le_at<uint32_t>(offset + 24);

  // Android finds the offset array right after headerSize. Packers write a bogus headerSize while
  // the array still sits after the 28 fixed bytes; when the arithmetic says so, believe the layout.
  size_t entries = *hsize;
  uint64_t arrays = (static_cast<uint64_t>(count) + style_count) * 4;
  if (entries != kPoolHeaderSize && kPoolHeaderSize + arrays == strings_start) {
    if (notes) {
      notes->add("string pool at " + hex(offset) + " has header size " + std::to_string(*hsize) +
                 "; used the standard 28");
    }
    entries = kPoolHeaderSize;
  }
  if (count > limits.max_strings) {
    return make_error(ErrorCode::kLimit,
                      "string pool holds " + std::to_string(count) + " strings, over the limit of " +
                          std::to_string(limits.max_strings),
                      {}, offset);
  }
  if (static_cast<uint64_t>(count) * 4 > size - entries) {
    return make_error(ErrorCode::kMalformed,
                      "string pool claims " + std::to_string(count) + " strings; " +
                          std::to_string(size) + " bytes cannot hold their offsets",
                      {}, offset);
  }
  StringPool pool;
  pool.count_ = count;
  pool.utf8_ = (flags & kUtf8Flag) != 0;
  pool.offsets_ = data.substr(offset + entries, static_cast<size_t>(count) * 4);
  if (count == 0) return pool;
  if (strings_start > size) {
    return make_error(ErrorCode::kMalformed,
                      "string data starts at " + std::to_string(strings_start) +
                          ", past the pool's end (" + std::to_string(size) + ")",
                      {}, offset);
  }
  size_t strings_end = size;
  // Styles follow the strings; with no styles a nonzero stylesStart is junk (seen in packed apps).
  if (style_count != 0 && styles_start > strings_start && styles_start <= size) {
    strings_end = styles_start;
  }
  pool.base_ = offset + strings_start;
  pool.strings_ = data.substr(offset + strings_start, strings_end - strings_start);
  return pool;
}

namespace {

// A length prefix of a UTF-8 pool string: 1 byte, or 2 with the high bit set.
Result<uint32_t> read_len8(ByteReader& r) {
  auto b0 = r.u8();
  if (!b0) return std::unexpected(b0.error());
  if (!(*b0 & 0x80)) return *b0;
  auto b1 = r.u8();
  if (!b1) return std::unexpected(b1.error());
  return (static_cast<uint32_t>(*b0 & 0x7F) << 8) | *b1;
}

// A length prefix of a UTF-16 pool string: 1 unit, or 2 with the high bit set.
Result<uint32_t> read_len16(ByteReader& r) {
  auto u0 = r.u16le();
  if (!u0) return std::unexpected(u0.error());
  uint32_t len = *u0;
  if (len & 0x8000) {
    auto u1 = r.u16le();
    if (!u1) return std::unexpected(u1.error());
    len = ((len & 0x7FFF) << 16) | *u1;
  }
  return len;
}

}  // namespace

Result<ByteReader> StringPool::seek_string(uint32_t index) const {
  if (index >= count_) {
    return make_error(ErrorCode::kMalformed,
                      "string index " + std::to_string(index) + " out of range (pool has " +
                          std::to_string(count_) + ")");
  }
  uint32_t off = *ByteReader(offsets_).le_at<uint32_t>(static_cast<size_t>(index) * 4);
  if (off >= strings_.size()) {
    return make_error(ErrorCode::kMalformed,
                      "string " + std::to_string(index) + " starts past the string data", {},
                      base_ + off);
  }
  ByteReader r(strings_);
  if (auto s = r.seek(off); !s) return std::unexpected(s.error());
  return r;
}

std::optional<uint32_t> StringPool::units(uint32_t index) const {
  // The same reads as seek_string and read_len8/16, without building a reader or an error: a
  // resource table asks this of every string value before deciding to decode it.
  const std::optional<std::string_view> rest = string_onwards(index);
  if (!rest) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(rest->data());
  const size_t left = rest->size();
  // Both encodings start with the length in UTF-16 units.
  if (utf8_) {
    if (!(p[0] & 0x80)) return p[0];
    if (left < 2) return std::nullopt;
    return (static_cast<uint32_t>(p[0] & 0x7F) << 8) | p[1];
  }
  if (left < 2) return std::nullopt;
  uint32_t len = p[0] | (static_cast<uint32_t>(p[1]) << 8);
  if (!(len & 0x8000)) return len;
  if (left < 4) return std::nullopt;
  return ((len & 0x7FFF) << 16) | p[2] | (static_cast<uint32_t>(p[3]) << 8);
}

StringPool::ShortStrings StringPool::shorter_than(uint32_t min_units) const {
  ShortStrings out;
  out.bits_.assign((static_cast<size_t>(count_) + 63) / 64, 0);
  for (uint32_t i = 0; i < count_; ++i) {
    const std::optional<uint32_t> n = units(i);
    if (n && *n < min_units) out.bits_[i / 64] |= uint64_t{1} << (i % 64);
  }
  return out;
}

Result<std::string> StringPool::get(uint32_t index) const {
  std::string scratch;
  auto s = get(index, scratch);
  if (!s) return std::unexpected(s.error());
  // A UTF-16 string was decoded into the scratch: hand that over rather than copy it.
  if (s->data() == scratch.data()) return scratch;
  return std::string(*s);
}

std::string_view StringPool::try_get(uint32_t index, std::string& scratch) const {
  const std::optional<std::string_view> rest = string_onwards(index);
  if (!rest) return {};
  const auto* p = reinterpret_cast<const unsigned char*>(rest->data());
  const size_t left = rest->size();
  if (utf8_) {
    // The length in UTF-16 units (1 or 2 bytes, unused), then the length in bytes (1 or 2).
    size_t pos = (p[0] & 0x80) ? 2 : 1;
    if (pos >= left) return {};
    uint32_t len = p[pos];
    if (len & 0x80) {
      if (pos + 1 >= left) return {};
      len = ((len & 0x7F) << 8) | p[pos + 1];
      pos += 2;
    } else {
      pos += 1;
    }
    if (len > left - pos) return {};
    std::string_view bytes = rest->substr(pos, len);
    if (bytes.find('\xED') != std::string_view::npos) return {};  // surrogates to join
    return bytes;
  }
  if (left < 2) return {};
  uint32_t len = p[0] | (static_cast<uint32_t>(p[1]) << 8);
  size_t pos = 2;
  if (len & 0x8000) {
    if (left < 4) return {};
    len = ((len & 0x7FFF) << 16) | p[2] | (static_cast<uint32_t>(p[3]) << 8);
    pos = 4;
  }
  if (static_cast<uint64_t>(len) * 2 > left - pos) return {};
  scratch.clear();
  append_utf16_as_utf8(scratch, rest->substr(pos, static_cast<size_t>(len) * 2), false);
  return std::string_view(scratch);
}

Result<std::string_view> StringPool::get_checked(uint32_t index, std::string& scratch) const {
  // Something is out of bounds (or a UTF-8 string holds surrogates to join): the checked reads
  // below say what, or repair the string.
  auto at = seek_string(index);
  if (!at) return std::unexpected(at.error());
  ByteReader& r = *at;
  const size_t off = r.pos();
  auto where = [&](size_t at) { return base_ + at; };
  if (utf8_) {
    // Two lengths: UTF-16 units (unused here), then bytes.
    auto units = read_len8(r);
    if (!units) return std::unexpected(units.error());
    auto len = read_len8(r);
    if (!len) return std::unexpected(len.error());
    auto bytes = r.bytes(*len);
    if (!bytes) {
      return make_error(ErrorCode::kMalformed,
                        "UTF-8 string " + std::to_string(index) + " of " + std::to_string(*len) +
                            " bytes runs past the string data",
                        {}, where(off));
    }
    if (bytes->find('\xED') == std::string_view::npos) return *bytes;
    scratch.assign(*bytes);
    join_surrogate_pairs(scratch);
    return std::string_view(scratch);
  }
  auto len = read_len16(r);
  if (!len) return std::unexpected(len.error());
  if (static_cast<uint64_t>(*len) * 2 > r.remaining()) {
    return make_error(ErrorCode::kMalformed,
                      "UTF-16 string " + std::to_string(index) + " of " + std::to_string(*len) +
                          " units runs past the string data",
                      {}, where(off));
  }
  scratch.clear();
  append_utf16_as_utf8(scratch, *r.bytes(static_cast<size_t>(*len) * 2), false);
  return std::string_view(scratch);
}

std::string StringPool::get_or_empty(uint32_t index) const {
  auto s = get(index);
  return s ? std::move(*s) : std::string();
}

}  // namespace keysweep::android_res
