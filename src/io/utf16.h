// Text conversions for formats that store strings as UTF-16 (Hermes, Android string pools,
// CFStrings, .strings files), modified UTF-8 (DEX) or Latin-1 (Hermes one-byte strings), so every
// extractor hands UTF-8 to the matcher. The one UTF-8 encoder in the tree: formats call it rather
// than writing their own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keysweep {

inline constexpr uint32_t kReplacementCharacter = 0xFFFD;

constexpr bool is_high_surrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
constexpr bool is_low_surrogate(uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }
constexpr bool is_surrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDFFF; }

// The code point a high and a low surrogate stand for together.
constexpr uint32_t combine_surrogates(uint32_t hi, uint32_t lo) {
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

// Appends `cp` as UTF-8, as it is: a surrogate is encoded too (3 bytes), so callers that must emit
// valid UTF-8 replace lone surrogates first (see append_utf8_scalar).
inline void append_utf8_codepoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Appends `cp` as UTF-8, a lone surrogate as U+FFFD: the output is always valid UTF-8.
inline void append_utf8_scalar(std::string& out, uint32_t cp) {
  append_utf8_codepoint(out, is_surrogate(cp) ? kReplacementCharacter : cp);
}

// Appends UTF-16 code units (little- or big-endian) as UTF-8; an unpaired surrogate becomes
// U+FFFD, an odd last byte is dropped. Callers decoding many strings reuse one `out`.
inline void append_utf16_as_utf8(std::string& out, std::string_view bytes, bool big_endian) {
  out.reserve(out.size() + bytes.size() / 2);
  const size_t units = bytes.size() / 2;
  auto unit = [&](size_t i) -> uint32_t {
    uint32_t first = static_cast<uint8_t>(bytes[2 * i]);
    uint32_t second = static_cast<uint8_t>(bytes[2 * i + 1]);
    return big_endian ? (first << 8 | second) : (second << 8 | first);
  };
  for (size_t i = 0; i < units; ++i) {
    uint32_t u = unit(i);
    if (u < 0x80) {  // ASCII, most of what apps hold
      out += static_cast<char>(u);
      continue;
    }
    if (is_high_surrogate(u) && i + 1 < units) {
      uint32_t lo = unit(i + 1);
      if (is_low_surrogate(lo)) {
        append_utf8_codepoint(out, combine_surrogates(u, lo));
        ++i;
        continue;
      }
    }
    append_utf8_scalar(out, u);
  }
}

// UTF-16 code units (little- or big-endian) to UTF-8, as append_utf16_as_utf8.
inline std::string utf16_to_utf8(std::string_view bytes, bool big_endian) {
  std::string out;
  append_utf16_as_utf8(out, bytes, big_endian);
  return out;
}

inline std::string utf16le_to_utf8(std::string_view bytes) { return utf16_to_utf8(bytes, false); }

// How a buffer is laid out as UTF-16 text, when it is.
struct Utf16Layout {
  bool big_endian = false;
  size_t bom = 0;  // bytes of byte order mark to skip (0 or 2)
};

// Whether `bytes` is UTF-16 text: it starts with a byte order mark, or, without one, its first 512
// bytes hold NULs in every other byte (at least a quarter of the code units, ASCII-heavy text) and
// none in the others. The one detector of the tree: the decode pass (UTF-16 files) and .strings
// files both ask it. Needs 4 bytes at least.
inline std::optional<Utf16Layout> detect_utf16_text(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xFE")) return Utf16Layout{false, 2};
  if (bytes.starts_with("\xFE\xFF")) return Utf16Layout{true, 2};
  const size_t n = std::min<size_t>(bytes.size() & ~size_t{1}, 512);
  size_t even = 0, odd = 0;
  for (size_t i = 0; i < n; i += 2) {
    even += bytes[i] == '\0';
    odd += bytes[i + 1] == '\0';
  }
  if (n >= 4 && odd * 4 >= n && even == 0) return Utf16Layout{false, 0};
  if (n >= 4 && even * 4 >= n && odd == 0) return Utf16Layout{true, 0};
  return std::nullopt;
}

// Latin-1 (one byte per code point) to UTF-8: ASCII stays as it is.
inline std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) append_utf8_codepoint(out, static_cast<uint8_t>(c));
  return out;
}

}  // namespace keysweep
