// libFuzzer target: the binary XML parser, its extractor and the manifest identity reader.
#include "formats/android_res/android_extractors.h"
#include "formats/android_res/binary_xml.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  static const auto extractor = make_axml_extractor();
  (void)android_res::parse_manifest_identity(fuzz::as_bytes(data, size));
  Limits limits;
  limits.max_strings = 1 << 16;
  limits.max_entry_size = 1 << 20;  // keeps rendered text, and so RSS, small
  return fuzz::run_extractor(*extractor, data, size, "fuzz.xml", limits);
}
