// Feeds bytes to both .NET extractors: as an assembly, and (with an XALZ header in front) as a
// compressed one whose child is parsed as an assembly too.
#include <cstddef>
#include <cstdint>

#include "core/diagnostics.h"
#include "formats/dotnet/dotnet_extractor.h"

namespace {
class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  keysweep::Blob blob(bytes, nullptr, {"Fuzz.dll"});
  NullSink sink;
  keysweep::Limits limits;
  limits.max_total_expanded = 64u << 20;
  limits.max_entry_size = 16u << 20;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  keysweep::DotnetAssemblyExtractor assembly;
  keysweep::XalzExtractor xalz;
  size_t total = 0;
  std::function<void(keysweep::Blob)> sink_child = [&](keysweep::Blob child) {
    total += child.size();
    if (assembly.sniff(child)) (void)assembly.extract(child, ctx, sink_child);
  };
  if (assembly.sniff(blob)) (void)assembly.extract(blob, ctx, sink_child);
  if (xalz.sniff(blob)) (void)xalz.extract(blob, ctx, sink_child);
  return 0;
}
