// libFuzzer target: any bytes through the ELF extractor.
#include "formats/elf/elf_extractor.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return keysweep::fuzz::run_extractor(keysweep::ElfExtractor(), data, size, "fuzz.so");
}
