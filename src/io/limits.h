// Safety limits applied while reading and expanding untrusted inputs. One struct, passed down, so a
// user flag or a test can tighten every parser at once.
#pragma once

#include <cstdint>
#include <limits>

namespace keysweep {

inline constexpr uint64_t kNoSizeLimit = std::numeric_limits<uint64_t>::max();

struct Limits {
  // Files on disk larger than this are skipped (--max-file-size, opt-in): by default a file of any
  // size is read, a plain one in windows (pipeline/window_plan.h).
  uint64_t max_file_size = kNoSizeLimit;
  int max_depth = 8;                              // container nesting (XAPK > APK > JAR > DEX = 3)
  uint64_t max_entries = 200'000;                 // entries read from one archive
  uint64_t max_entry_size = 512ull << 20;         // expanded size of one archive entry
  uint64_t max_total_expanded = 4ull << 30;       // expanded bytes from one top-level input
  uint32_t max_compression_ratio = 200;           // expanded/compressed, per entry (zip bombs)
  uint64_t max_strings = 10'000'000;              // strings read from one string table
  // Encoded text (base64, hex, %XX, \u escapes, UTF-16) inside scanned text, see decode/decode_pass.h.
  int max_decode_depth = 3;                       // decodings in a row; 0 turns decoding off
  uint64_t max_decoded_run = 1ull << 20;          // encoded bytes decoded from one run
  uint32_t max_decoded_ratio = 2;                 // decoded bytes per scanned text / its size
};

}  // namespace keysweep
