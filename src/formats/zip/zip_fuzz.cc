// libFuzzer target: any bytes through the zip extractor must give children, diagnostics or an
// error, never a crash, a hang or an allocation past the limits. Nested archives are opened too
// (up to a small depth), as the pipeline would.
#include <functional>

#include "formats/fuzz_harness.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  const std::string_view bytes = fuzz::as_bytes(data, size);
  (void)zip::printable_entry_name(bytes.substr(0, 64));
  fuzz::Harness h;
  h.limits.max_depth = 3;
  // Small budgets keep executions fast (the nested-bomb seed would otherwise inflate 8 MiB each
  // time) while every limit path stays reachable: an entry just over the ratio floor still fits.
  h.limits.max_entry_size = 2ull << 20;
  h.limits.max_total_expanded = 4ull << 20;
  const ZipExtractor extractor{};
  std::function<void(Blob)> nested = [&](Blob child) {
    h.touch(child);
    if (child.depth() < h.limits.max_depth) h.run(extractor, child, nested);
  };
  h.run(extractor, Blob(bytes, nullptr, {"fuzz.zip"}), nested);
  return 0;
}
