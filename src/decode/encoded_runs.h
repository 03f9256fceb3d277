// Finds the runs of text that may be encoded, cheaply: this runs over every byte of every text
// file, so it looks at one byte in 20 outside of long alphanumeric runs (a run of 20 must cover one
// of them) and at '%' and '\' only where memchr finds them. Whether a run really decodes to text is
// for decode_pass.cc to find out.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "decode/decoders.h"

namespace keysweep::decode {

// Shortest runs worth decoding: 20 base64 characters are 15 bytes, 32 hex digits 16 bytes; the
// shortest credentials the rules know are about that long.
inline constexpr size_t kMinBase64Run = 20;
inline constexpr size_t kMinHexRun = 32;

struct EncodedRun {
  Encoding encoding;
  uint64_t offset = 0;  // in the text searched
  uint64_t length = 0;
};

// Appends the candidate runs in `text` (base64, hex, percent, escape; never UTF-16, which is a
// property of a whole file), each at most `max_run` bytes long, ordered by kind then offset.
void find_encoded_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out);

}  // namespace keysweep::decode
