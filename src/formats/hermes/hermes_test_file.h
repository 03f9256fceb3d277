// Builds Hermes bytecode files for tests from the documented layout (BytecodeFileFormat.h):
// Debian ships no hermesc, so the fixture is written field by field. The one part that differs by
// version is the function header table: 16-byte SmallFuncHeaders up to 96 (main branch), 12-byte
// ones from 97 (static_h branch); see hermes_file.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keysweep::hermes_test {

struct TestString {
  std::string bytes;  // Latin-1 bytes, or UTF-16LE code units when utf16
  bool utf16 = false;
};

inline void put32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}
inline void add32(std::string& s, uint32_t v) {
  s.append(4, '\0');
  put32(s, s.size() - 4, v);
}

inline std::string utf16le(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) {
    out += static_cast<char>(c & 0xFF);
    out += static_cast<char>(c >> 8);
  }
  return out;
}

// Where the string table starts in a build_hbc file: after the header, the one function header
// and the one string-kind run.
inline size_t string_table_offset(uint32_t version) { return 128 + (version >= 97 ? 12 : 16) + 4; }

// A file with one function (the global code) and `strings` in the string table. Strings of 255
// units or more go through the overflow table, as hermesc writes them.
inline std::string build_hbc(uint32_t version, const std::vector<TestString>& strings) {
  std::string storage;
  std::vector<uint32_t> small;
  std::vector<std::pair<uint32_t, uint32_t>> overflow;
  for (const TestString& s : strings) {
    uint32_t offset = static_cast<uint32_t>(storage.size());
    uint32_t length = static_cast<uint32_t>(s.utf16 ? s.bytes.size() / 2 : s.bytes.size());
    storage += s.bytes;
    if (length >= 255 || offset >= (1u << 23)) {
      small.push_back((s.utf16 ? 1u : 0u) | (static_cast<uint32_t>(overflow.size()) << 1) | (255u << 24));
      overflow.emplace_back(offset, length);
    } else {
      small.push_back((s.utf16 ? 1u : 0u) | (offset << 1) | (length << 24));
    }
  }
  std::string f(128, '\0');
  put32(f, 0, 0x03BC1FC6);
  put32(f, 4, 0x1F1903C1);
  put32(f, 8, version);
  put32(f, 40, 1);                                            // functionCount
  put32(f, 44, 1);                                            // stringKindCount
  put32(f, 48, 0);                                            // identifierCount
  put32(f, 52, static_cast<uint32_t>(strings.size()));        // stringCount
  put32(f, 56, static_cast<uint32_t>(overflow.size()));       // overflowStringCount
  put32(f, 60, static_cast<uint32_t>(storage.size()));        // stringStorageSize
  // The global function's small header, all zero but its name (string 0): four words up to 96,
  // three from 97.
  const int header_words = version >= 97 ? 3 : 4;
  for (int i = 0; i < header_words; ++i) add32(f, 0);
  add32(f, static_cast<uint32_t>(strings.size()) & 0x7FFFFFFF);  // one run of kind String
  for (uint32_t e : small) add32(f, e);
  for (auto [o, l] : overflow) {
    add32(f, o);
    add32(f, l);
  }
  f += storage;
  while (f.size() % 4) f += '\0';
  f.append(20, '\0');  // SHA-1 footer (not checked by the reader)
  put32(f, 32, static_cast<uint32_t>(f.size()));  // fileLength
  return f;
}

}  // namespace keysweep::hermes_test
