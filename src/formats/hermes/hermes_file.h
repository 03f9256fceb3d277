// Hermes bytecode (React Native's index.android.bundle / main.jsbundle compiled by hermesc): the
// header and the string table, which holds every string literal and identifier of the bundle.
// Layout: facebook/hermes include/hermes/BCGen/HBC/BytecodeFileFormat.h. In every version read here
// the 128-byte header keeps the string-table fields (functionCount at 40 .. stringStorageSize at 60)
// at the same offsets, and the segments before the string storage come in the same order with the
// same entry sizes, except one: the function header table (SmallFuncHeader), which precedes them.
//   74-96  16-byte SmallFuncHeader: four words, the third holding infoOffset:25/frameSize:7
//          (main branch, e.g. commit 41752c65 at BYTECODE_VERSION 87).
//   97-99  12-byte SmallFuncHeader: infoOffset and environmentSize dropped, frameSize moved to a
//          byte (static_h branch, "Static Hermes"; commit 4df97b14 has BYTECODE_VERSION 99 and
//          static_assert(sizeof(SmallFuncHeader) == 12)). Header fields added in this line
//          (objShapeTableCount, numStringSwitchImms) sit after stringStorageSize.
// A 97-98 file could come from a static_h commit this reader has no source for, so for the
// 12-byte layout the string-kind table is checked to cover exactly the string table (the
// run-length counts of include/hermes/BCGen/HBC/StringKind.h must add up to stringCount and
// identifierCount); a mismatch means the guess was wrong, reported as unsupported, not read.
// Versions above 99 (none published by facebook/hermes at the time of writing) are refused.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

inline constexpr uint64_t kHermesMagic = 0x1F1903C103BC1FC6ull;
inline constexpr uint32_t kHermesMinVersion = 74;
inline constexpr uint32_t kHermesMaxVersion = 99;
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

// Bytes per SmallFuncHeader for `version`, 0 for a version whose layout is not established.
size_t hermes_function_header_size(uint32_t version);

// Parses the header and the string table. A version outside 74-99 is kUnsupported (its layout is
// unverified, so the caller scans the raw bytes), as is a 97-99 file whose string kinds do not
// match its string table; a table outside the file is kMalformed.
Result<HermesFile> parse_hermes(std::string_view bytes);

}  // namespace keysweep
