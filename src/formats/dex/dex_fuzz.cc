// libFuzzer target: any bytes through the MUTF-8 decoder and the DEX parser and extractor must
// give a value or an error, never a crash, a hang or an unbounded allocation.
#include "formats/dex/dex_extractor.h"
#include "formats/dex/mutf8.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)keysweep::dex::decode_mutf8(keysweep::fuzz::as_bytes(data, size));
  keysweep::Limits limits;
  limits.max_strings = 1'000'000;
  return keysweep::fuzz::run_extractor(keysweep::DexExtractor(), data, size, "fuzz.dex", limits);
}
