#include <cstddef>
#include <cstdint>

#include "core/diagnostics.h"
#include "formats/il2cpp/il2cpp_extractor.h"

namespace {
class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  keysweep::Blob blob(bytes, nullptr, {"global-metadata.dat"});
  keysweep::Il2CppMetadataExtractor ex;
  if (!ex.sniff(blob)) return 0;
  NullSink sink;
  keysweep::Limits limits;
  limits.max_total_expanded = 64u << 20;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  size_t total = 0;
  (void)ex.extract(blob, ctx, [&](keysweep::Blob child) {
    total += child.size();
    for (const auto& s : child.segments()) total += s.label.size();
  });
  return 0;
}
