// Feeds bytes to both .NET extractors: as an assembly, and (with an XALZ header in front) as a
// compressed one whose child is parsed as an assembly too.
#include <functional>

#include "formats/dotnet/dotnet_extractor.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  fuzz::Harness h;
  h.limits.max_total_expanded = 64u << 20;
  h.limits.max_entry_size = 16u << 20;
  const DotnetAssemblyExtractor assembly{};
  const XalzExtractor xalz{};
  std::function<void(Blob)> child_as_assembly = [&](Blob child) {
    h.touch(child);
    h.run(assembly, child, child_as_assembly);
  };
  const Blob blob(fuzz::as_bytes(data, size), nullptr, {"Fuzz.dll"});
  h.run(assembly, blob, child_as_assembly);
  h.run(xalz, blob, child_as_assembly);
  return 0;
}
