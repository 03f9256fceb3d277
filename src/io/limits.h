// Safety limits applied while reading and expanding untrusted inputs. One struct, passed down, so a
// user flag or a test can tighten every parser at once.
#pragma once

#include <cstdint>

namespace keysweep {

struct Limits {
  uint64_t max_file_size = 512ull << 20;          // files on disk larger than this are skipped
  int max_depth = 8;                              // container nesting (XAPK > APK > JAR > DEX = 3)
  uint64_t max_entries = 200'000;                 // entries read from one archive
  uint64_t max_entry_size = 512ull << 20;         // expanded size of one archive entry
  uint64_t max_total_expanded = 4ull << 30;       // expanded bytes from one top-level input
  uint32_t max_compression_ratio = 200;           // expanded/compressed, per entry (zip bombs)
  uint64_t max_strings = 10'000'000;              // strings read from one string table
};

}  // namespace keysweep
