// libFuzzer target: any bytes through the DEX parser and extractor must give a value or an error,
// never a crash, a hang or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/diagnostics.h"
#include "formats/dex/dex_extractor.h"
#include "formats/dex/dex_file.h"
#include "formats/dex/mutf8.h"

namespace {

class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  keysweep::dex::decode_mutf8(bytes);
  keysweep::Limits limits;
  limits.max_strings = 1'000'000;
  keysweep::Blob blob(bytes, nullptr, {"fuzz.dex"});
  keysweep::DexExtractor extractor;
  if (!extractor.sniff(blob)) return 0;
  NullSink sink;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  size_t emitted = 0;
  (void)extractor.extract(blob, ctx, [&](keysweep::Blob child) { emitted += child.size(); });
  return 0;
}
