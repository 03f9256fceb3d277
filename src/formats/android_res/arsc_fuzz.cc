// libFuzzer target: the resources.arsc parser and its extractor on arbitrary bytes.
#include "formats/android_res/android_extractors.h"
#include "formats/android_res/resource_table.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  static const auto extractor = make_arsc_extractor();
  Limits limits;
  limits.max_strings = 1 << 16;
  limits.max_entry_size = 1 << 20;  // keeps rendered text, and so RSS, small
  // Past the sniff too, so inputs that fail it still exercise the parser.
  android_res::ParseNotes notes;
  (void)android_res::parse_resource_table(fuzz::as_bytes(data, size), limits,
                                          [](const android_res::ResourceString&) {}, notes);
  return fuzz::run_extractor(*extractor, data, size, "fuzz.arsc", limits);
}
