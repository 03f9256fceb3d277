// Test helpers: build ResChunk structures byte by byte, so tests can make exactly the variant
// (sparse, 16-bit offsets, lying counts) that no Debian tool writes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "formats/format_test_support.h"

namespace keysweep::android_res::test {

inline std::string u8(uint8_t v) { return std::string(1, static_cast<char>(v)); }
inline std::string u16(uint16_t v) { return u8(v & 0xFF) + u8(v >> 8); }
inline std::string u32(uint32_t v) { return u16(v & 0xFFFF) + u16(v >> 16); }

// A chunk: type, header size (8 + extra header bytes), total size, then header extra and body.
inline std::string chunk(uint16_t type, const std::string& header_extra, const std::string& body) {
  return u16(type) + u16(static_cast<uint16_t>(8 + header_extra.size())) +
         u32(static_cast<uint32_t>(8 + header_extra.size() + body.size())) + header_extra + body;
}

inline void pad4(std::string& s) {
  while (s.size() % 4) s += '\0';
}

// UTF-8 -> UTF-16 code units (input assumed valid).
inline std::vector<uint16_t> to_utf16(const std::string& s) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i < s.size();) {
    uint8_t b = static_cast<uint8_t>(s[i]);
    uint32_t cp;
    int n;
    if (b < 0x80) { cp = b; n = 1; }
    else if (b < 0xE0) { cp = b & 0x1F; n = 2; }
    else if (b < 0xF0) { cp = b & 0x0F; n = 3; }
    else { cp = b & 0x07; n = 4; }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

// A ResStringPool chunk holding `strings`, UTF-8 or UTF-16, with the length prefixes aapt writes.
inline std::string string_pool(const std::vector<std::string>& strings, bool utf8) {
  std::string data, offsets;
  for (const auto& s : strings) {
    offsets += u32(static_cast<uint32_t>(data.size()));
    if (utf8) {
      auto len8 = [&](size_t n) {
        return n > 0x7F ? u8(static_cast<uint8_t>(0x80 | (n >> 8))) + u8(n & 0xFF)
                        : u8(static_cast<uint8_t>(n));
      };
      data += len8(to_utf16(s).size()) + len8(s.size()) + s + u8(0);
    } else {
      auto units = to_utf16(s);
      size_t n = units.size();
      if (n > 0x7FFF) data += u16(static_cast<uint16_t>(0x8000 | (n >> 16)));
      data += u16(static_cast<uint16_t>(n & (n > 0x7FFF ? 0xFFFF : 0x7FFF)));
      for (uint16_t u : units) data += u16(u);
      data += u16(0);
    }
  }
  pad4(data);
  uint32_t strings_start = static_cast<uint32_t>(28 + offsets.size());
  std::string header = u32(static_cast<uint32_t>(strings.size())) + u32(0) +
                       u32(utf8 ? 0x100 : 0) + u32(strings_start) + u32(0);
  return chunk(0x0001, header, offsets + data);
}

using format_test::read_file;

// The fixtures of tests/fixtures/android/build_res_fixtures.sh, built once per build tree (flock
// keeps parallel test processes from building over each other).
inline std::string fixture_dir() {
  static const std::string dir = [] {
    std::string out = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/android_res";
    std::string cmd = "mkdir -p " + std::string(KEYSWEEP_BINARY_DIR) + "/fixtures && flock " + out + ".lock sh -c 'test -f " + out +
                      "/aapt2/resources.arsc || " + KEYSWEEP_SOURCE_DIR +
                      "/tests/fixtures/android/build_res_fixtures.sh " + out + " >/dev/null'";
    if (std::system(cmd.c_str()) != 0) return std::string();
    return out;
  }();
  return dir;
}

}  // namespace keysweep::android_res::test
