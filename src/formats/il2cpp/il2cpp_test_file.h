// Builds global-metadata.dat files for tests from the documented header (Il2CppGlobalMetadataHeader:
// sanity, version, then offset/size pairs): no Unity editor on Debian, so fields are written by hand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keysweep::il2cpp_test {

inline void put32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}
inline void add32(std::string& s, uint32_t v) {
  s.append(4, '\0');
  put32(s, s.size() - 4, v);
}

// `length_free`: the newer version-31 table of dataIndex only. `default_values` is copied as the
// field/parameter default value data.
inline std::string build_metadata(int32_t version, const std::vector<std::string>& literals,
                                  bool length_free = false, const std::string& default_values = {}) {
  std::string f(256, '\0');  // the real header is 0x100-0x120 bytes; unread pairs stay zero
  put32(f, 0, 0xFAB11BAF);
  put32(f, 4, static_cast<uint32_t>(version));
  std::string data, table;
  for (const std::string& lit : literals) {
    if (!length_free) add32(table, static_cast<uint32_t>(lit.size()));
    add32(table, static_cast<uint32_t>(data.size()));
    data += lit;
  }
  put32(f, 8, static_cast<uint32_t>(f.size()));
  put32(f, 12, static_cast<uint32_t>(table.size()));
  f += table;
  put32(f, 16, static_cast<uint32_t>(f.size()));
  put32(f, 20, static_cast<uint32_t>(data.size()));
  f += data;
  while (f.size() % 4) f += '\0';
  put32(f, 72, static_cast<uint32_t>(f.size()));
  put32(f, 76, static_cast<uint32_t>(default_values.size()));
  f += default_values;
  return f;
}

}  // namespace keysweep::il2cpp_test
