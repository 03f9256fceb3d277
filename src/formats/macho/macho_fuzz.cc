#include <cstddef>
#include <cstdint>

#include "core/diagnostics.h"
#include "formats/macho/macho_extractor.h"

namespace {
class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  keysweep::Blob blob(bytes, nullptr, {"fuzz.app"});
  keysweep::MachOExtractor ex;
  if (!ex.sniff(blob)) return 0;
  NullSink sink;
  keysweep::Limits limits;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  size_t total = 0;
  (void)ex.extract(blob, ctx, [&](keysweep::Blob child) {
    total += child.size();
    for (const auto& s : child.segments()) total += s.label.size();
  });
  return 0;
}
