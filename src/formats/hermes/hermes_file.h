// Hermes bytecode (React Native's index.android.bundle / main.jsbundle compiled by hermesc): the
// header and the string table, which holds every string literal and identifier of the bundle.
// Layout: facebook/hermes include/hermes/BCGen/HBC/BytecodeFileFormat.h. The 128-byte header keeps
// the string-table fields at the same offsets from version 74 to 96 (fields added over time, such
// as the BigInt table in 87 and the function-source table in 84, come after them), and the
// segments before the string storage (function headers, string kinds, identifier hashes, small and
// overflow string tables) keep their sizes, so one reader serves every version in that range.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

inline constexpr uint64_t kHermesMagic = 0x1F1903C103BC1FC6ull;
inline constexpr uint32_t kHermesMinVersion = 74;
inline constexpr uint32_t kHermesMaxVersion = 96;
inline constexpr size_t kHermesHeaderSize = 128;

struct HermesString {
  std::string_view raw;  // bytes in the string storage: Latin-1, or UTF-16LE when utf16
  bool utf16 = false;
};

struct HermesFile {
  uint32_t version = 0;
  uint32_t file_length = 0;  // as the header states it; shorter files are truncated
  std::vector<HermesString> strings;  // by string id; an entry outside the storage is left empty
  uint32_t bad_entries = 0;           // string-table entries pointing outside the storage
};

// Parses the header and the string table. A version outside 74-96 is kUnsupported (its layout is
// unverified, so the caller scans the raw bytes); a table outside the file is kMalformed.
Result<HermesFile> parse_hermes(std::string_view bytes);

}  // namespace keysweep
