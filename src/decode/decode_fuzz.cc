// libFuzzer target: any bytes through every decoder and the nested decode pass (as text and as a
// binary tried for UTF-16) must decode or decline, never crash, hang or outgrow the budget; and
// the run finder's block passes (baseline, AVX2, AVX-512) must find the same runs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "decode/decode_pass.h"
#include "decode/decoders.h"
#include "decode/encoded_runs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace d = keysweep::decode;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)d::decode_base64(bytes);
  (void)d::decode_hex(bytes);
  (void)d::decode_percent(bytes);
  (void)d::decode_escapes(bytes);
  (void)d::decode_utf16_text(bytes, nullptr, nullptr);
  (void)d::mostly_printable(bytes);
  d::DecodeLimits limits;
  limits.max_run = 4096;
  std::vector<d::EncodedRun> baseline;
  d::find_encoded_runs(bytes, limits.max_run, baseline, d::BlockMaskIsa::kBaseline);
  for (d::BlockMaskIsa isa : {d::BlockMaskIsa::kAvx2, d::BlockMaskIsa::kAvx512}) {
    if (isa > d::best_block_mask_isa()) break;
    std::vector<d::EncodedRun> runs;
    d::find_encoded_runs(bytes, limits.max_run, runs, isa);
    if (runs.size() != baseline.size()) std::abort();
    for (size_t i = 0; i < runs.size(); ++i)
      if (runs[i].encoding != baseline[i].encoding || runs[i].offset != baseline[i].offset ||
          runs[i].length != baseline[i].length)
        std::abort();
  }
  for (bool binary : {false, true}) {
    std::vector<d::DecodedPiece> pieces;
    d::DecodeStats st = d::decode_nested(bytes, binary, limits, pieces);
    uint64_t total = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const d::DecodedPiece& p = pieces[i];
      // Parents come first, depth grows by one, and every run lies inside its parent.
      if (p.parent >= static_cast<int>(i) || p.depth > limits.max_depth) std::abort();
      std::string_view parent = p.parent < 0 ? bytes : std::string_view(pieces[p.parent].text);
      if (p.offset + p.length > parent.size()) std::abort();
      if (p.parent >= 0 && p.depth != pieces[p.parent].depth + 1) std::abort();
      (void)d::decoding_chain(pieces, static_cast<int>(i));
      total += p.text.size();
    }
    if (total != st.decoded_bytes) std::abort();
    if (total > std::max<uint64_t>(limits.min_budget, size * uint64_t{limits.max_ratio})) std::abort();
  }
  return 0;
}
