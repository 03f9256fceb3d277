// libFuzzer target: any bytes through the Hermes bytecode extractor.
#include "formats/fuzz_harness.h"
#include "formats/hermes/hermes_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keysweep::Limits limits;
  limits.max_total_expanded = 64u << 20;
  return keysweep::fuzz::run_extractor(keysweep::HermesExtractor(), data, size,
                                       "index.android.bundle", limits);
}
