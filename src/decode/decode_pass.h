// The decode pass: what a scanned Blob hides under encodings, as pieces of text the matcher scans
// too. A text Blob's base64, hex, percent-encoded and backslash-escaped runs are decoded; a Blob
// that looks binary is tried as UTF-16 text. A decoded piece is kept only when it is mostly
// printable text, and is itself searched again, so base64 of a percent-encoded value is found,
// up to a depth limit. Decoded bytes are budgeted per Blob as a multiple of its size.
//
// This is its own seam (src/decode/, library keysweep_decode), not an extractor: extractors are
// chosen by a Blob's format and emit children for the whole pipeline, while decoding applies to
// runs inside any text, and a finding in a decoded piece is reported at the encoded run's place in
// the Blob with the list of decodings that revealed it (see pipeline/decoded_scan.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decode/decoders.h"
#include "io/utf16.h"

namespace keysweep::decode {

struct DecodeLimits {
  int max_depth = 3;                  // decodings in a row: UTF-16 file > base64 > percent = 3
  uint64_t max_run = 1ull << 20;      // encoded bytes decoded from one run; the rest is left
  uint32_t max_ratio = 2;             // decoded bytes kept per Blob: this many times its size,
  uint64_t min_budget = 64ull << 10;  //   but at least this much
};

struct DecodedPiece {
  int parent = -1;  // index of the piece this was decoded from; -1: the Blob itself
  Encoding encoding = Encoding::kBase64;
  uint64_t offset = 0;  // the encoded run in the parent (for UTF-16: after the byte order mark)
  uint64_t length = 0;
  int depth = 1;  // decodings applied: 1 for a run of the Blob itself
  std::string text;
  // Base64 wrapped over lines (decode/encoded_runs.h): where each line's characters start in the
  // parent, and how many the full lines hold, so a position in `text` maps back to its line.
  std::vector<uint64_t> line_starts{};
  uint32_t wrap_width = 0;
  // UTF-16LE runs of a binary (kUtf16LeRun), joined one a line: where each run's text starts in
  // `text`; line_starts holds where its bytes start in the binary.
  std::vector<uint64_t> run_text_starts{};
};

struct DecodeStats {
  uint64_t runs = 0;           // candidate runs looked at
  uint64_t decoded_bytes = 0;  // in pieces kept
  bool budget_spent = false;   // runs were left undecoded because of max_ratio
};

// Appends every piece hidden in `bytes`, parents before their children. `looks_binary`: the
// caller's verdict (a NUL early on); such bytes are only tried as UTF-16 text.
// `utf16`, when given: `bytes` are a window cut from a UTF-16 text file (utf16_text_layout of its
// first bytes), at an even offset; they are decoded as that layout (its byte order mark only in
// the window that starts the file), with no detection of their own: a window past the first has no
// byte order mark, and its text need not look like ASCII.
DecodeStats decode_nested(std::string_view bytes, bool looks_binary, const DecodeLimits& limits,
                          std::vector<DecodedPiece>& out, const Utf16Layout* utf16 = nullptr);

// The layout of a file whose first bytes are `head`, when decode_nested would take the whole file
// (binary by its caller's verdict) for UTF-16 text.
std::optional<Utf16Layout> utf16_text_layout(std::string_view head);

// Where in the parent's text the encoded form of `p.text[pos]` is: the start of the run, except in
// wrapped base64, where it is the start of the 4-character group holding it, on its own line.
uint64_t position_in_parent(const DecodedPiece& p, uint64_t pos);

// The decodings from the Blob down to piece `index`, outermost first: {"base64", "percent"}.
std::vector<std::string> decoding_chain(const std::vector<DecodedPiece>& pieces, int index);

}  // namespace keysweep::decode
