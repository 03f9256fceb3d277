// Unity IL2CPP global-metadata.dat (assets/bin/Data/Managed/Metadata/ in Unity Android apps): the
// C# string literals the game's code uses, which IL2CPP moves out of the compiled libil2cpp.so
// into this file. Header: uint32 sanity 0xFAB11BAF, int32 version, then (offset, size) pairs, the
// first being the string-literal table and the literal data. Versions 24-31 (Unity 2017.1 to
// Unity 6) keep these pairs at the same place; a literal is (uint32 length, int32 dataIndex) into
// the data, except that version 31 as written by newer Unity drops the length (the next literal's
// dataIndex ends each one), which the reader recognises by the table's shape.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

inline constexpr uint32_t kIl2CppSanity = 0xFAB11BAF;
inline constexpr int32_t kIl2CppMinVersion = 24;
inline constexpr int32_t kIl2CppMaxVersion = 31;

struct Il2CppMetadata {
  int32_t version = 0;
  std::vector<std::string_view> literals;  // UTF-8, by literal index
  std::string_view default_values;         // field and parameter default value data (const strings)
  bool length_free_literals = false;       // the 4-byte literal layout (newer version 31)
  uint32_t bad_literals = 0;               // entries outside the literal data, left empty
};

// kUnsupported for versions outside 24-31, kMalformed when a table lies outside the file.
Result<Il2CppMetadata> parse_il2cpp_metadata(std::string_view bytes);

}  // namespace keysweep
