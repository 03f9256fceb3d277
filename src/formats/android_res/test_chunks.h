// Test helpers: build ResChunk structures byte by byte, so tests can make exactly the variant
// (sparse, 16-bit offsets, lying counts) that no Debian tool writes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
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

// A resource table of one package (0x7f) with one type, "string": entry i is named keys[i], and
// each configuration is one dense type chunk with a value for every entry. `configs`: a language
// ("fr"; "" for the default configuration) and its values, one per key, in the order of the
// chunks. The global pool holds every value in that order.
inline std::string string_table(
    const std::vector<std::string>& keys,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& configs) {
  std::vector<std::string> pool;
  std::string chunks;
  for (const auto& [language, values] : configs) {
    std::string config = u32(64) + std::string(60, '\0');
    for (size_t k = 0; k < language.size() && k < 2; ++k) config[8 + k] = language[k];
    std::string index, entries;
    for (size_t i = 0; i < keys.size(); ++i) {
      index += u32(static_cast<uint32_t>(entries.size()));
      // ResTable_entry (size 8, flags 0, key) and Res_value (size 8, type 0x03 string, pool index)
      entries += u16(8) + u16(0) + u32(static_cast<uint32_t>(i)) + u16(8) + u8(0) + u8(0x03) +
                 u32(static_cast<uint32_t>(pool.size()));
      pool.push_back(values.at(i));
    }
    const uint32_t entries_start = static_cast<uint32_t>(8 + 12 + config.size() + index.size());
    chunks += chunk(0x0201,
                    u8(1) + u8(0) + u16(0) + u32(static_cast<uint32_t>(keys.size())) +
                        u32(entries_start) + config,
                    index + entries);
  }
  const std::string types = string_pool({"string"}, true);
  std::string package_header = u32(0x7f) + std::string(256, '\0');
  const uint32_t type_strings = 8 + 4 + 256 + 20;
  const uint32_t key_strings = type_strings + static_cast<uint32_t>(types.size());
  package_header += u32(type_strings) + u32(0) + u32(key_strings) + u32(0) + u32(0);
  const std::string package =
      chunk(0x0200, package_header, types + string_pool(keys, true) + chunks);
  return chunk(0x0002, u32(1), string_pool(pool, true) + package);
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
