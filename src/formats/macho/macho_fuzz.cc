// libFuzzer target: any bytes through the Mach-O extractor (thin and fat binaries).
#include "formats/fuzz_harness.h"
#include "formats/macho/macho_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return keysweep::fuzz::run_extractor(keysweep::MachOExtractor(), data, size, "fuzz.app");
}
