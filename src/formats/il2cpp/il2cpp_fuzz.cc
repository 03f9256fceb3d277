// libFuzzer target: any bytes through the IL2CPP global-metadata.dat extractor.
#include "formats/fuzz_harness.h"
#include "formats/il2cpp/il2cpp_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keysweep::Limits limits;
  limits.max_total_expanded = 64u << 20;
  return keysweep::fuzz::run_extractor(keysweep::Il2CppMetadataExtractor(), data, size,
                                       "global-metadata.dat", limits);
}
