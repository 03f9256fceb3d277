// Finds the runs of text that may be encoded, cheaply: this runs over every byte of every text
// file, so it reads the text once, 64 bytes at a time as bit masks (the base64 alphabet, '%' and
// '\'), and looks at single bytes only in long alphanumeric runs and at the escapes. Whether a run
// really decodes to text is for decode_pass.cc to find out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
  // Base64 wrapped over lines: the span holds line breaks and indentation, to be dropped before
  // decoding (see find_wrapped_base64).
  bool wrapped = false;
};

// The instruction sets the finder's 64-byte block pass is built for; it runs the widest the CPU
// has. All give the same runs: which one runs is for the tests and benchmarks to choose.
enum class BlockMaskIsa { kBaseline, kAvx2, kAvx512 };
BlockMaskIsa best_block_mask_isa();

// Appends the candidate runs in `text` (base64, hex, percent, escape; never UTF-16, which is a
// property of a whole file), each at most `max_run` bytes long, ordered by kind then offset.
// `isa`: the block pass to use (default: the CPU's best); one the CPU lacks must not be asked for.
void find_encoded_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out,
                       std::optional<BlockMaskIsa> isa = std::nullopt);

// For the 64 bytes at p, bit k of `alphabet`: p[k] is in the base64 alphabet (either variant);
// of `escapes`: p[k] is '%' or '\' (a percent-encoded or escaped run may hold it). As the finder
// computes them with `isa` (the x86-64 baseline's SSE2, AVX2 or AVX-512BW; the CPU must have it).
// The same whichever; the choice is the test's.
struct BlockMasks {
  uint64_t alphabet = 0, escapes = 0;
};
BlockMasks block_masks(const char* p, BlockMaskIsa isa);

// Base64 wrapped at a fixed width (PEM bodies at 64, MIME at 76, a blob folded by an editor): runs
// of `runs` (base64 ones, as find_encoded_runs found them) that fill their lines, followed each by
// a line break and the same indentation, every line as long as the first but the last (which may
// be shorter, down to one character, and need not be a run of its own). Appends one wrapped run
// per such block of two lines or more, its span from the first run's start to the last line's
// end, the characters in it at most `max_run`. A line-by-line decoding cuts whatever crosses a line
// break; the wrapped run's decoding holds it whole.
void find_wrapped_base64(std::string_view text, const std::vector<EncodedRun>& runs,
                         uint64_t max_run, std::vector<EncodedRun>& out);

// UTF-16LE strings in a binary: runs of at least kMinUtf16Units code units that are printable
// ASCII (or tab, CR, LF) with a zero high byte, at either byte parity, each at most `max_run`
// bytes. Text in other scripts is not looked for: credentials are ASCII.
inline constexpr size_t kMinUtf16Units = 8;
void find_utf16le_runs(std::string_view bytes, uint64_t max_run, std::vector<EncodedRun>& out);

// The base64 characters of a wrapped run: the span without its line breaks and indentation.
std::string unwrap_base64(std::string_view span);

// String literals joined by `+`, on one line or across several ("AKIA" +\n "IOSF..."): a key
// split to keep it off one line, or a long value folded by a formatter. `start` is where the
// first literal's line text begins (after its indentation: `key = "` is kept, so keyword rules
// see the name), `parts` the literals' contents without quotes, `end` one past the last closing
// quote. Chains of two or more literals holding at least kMinJoinedLiterals characters between
// them, each at most `max_run` bytes from start to end, in order. Quotes: " and '.
inline constexpr size_t kMinJoinedLiterals = 16;
struct LiteralChain {
  struct Part {
    uint64_t offset = 0, length = 0;
  };
  uint64_t start = 0, end = 0;
  std::vector<Part> parts;
};
void find_literal_chains(std::string_view text, uint64_t max_run, std::vector<LiteralChain>& out);

// The chain as one line of text: the first literal's line text up to its opening quote, every
// literal's content, and a closing quote. For each part k, `text_starts` gets where it starts in
// the result and `starts` where it starts in `text` (part 0: the chain's start).
std::string join_literal_chain(std::string_view text, const LiteralChain& chain,
                               std::vector<uint64_t>* text_starts, std::vector<uint64_t>* starts);

}  // namespace keysweep::decode
