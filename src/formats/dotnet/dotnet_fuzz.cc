// Feeds bytes to the .NET extractors: as an assembly, (with an XALZ header in front) as a
// compressed one, and as an assembly store (v1, or the v2/v3 payload of a .NET 9+ blob.so). Every
// child is opened again as XALZ or as an assembly, as the pipeline would. Seeds in
// fuzz-seeds/keysweep_dotnet: an mcs-compiled K.dll and v2/v3 stores of it made with
// tests/fixtures/dotnet/make_assembly_store.py.
#include <functional>

#include "formats/dotnet/dotnet_extractor.h"
#include "formats/fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  fuzz::Harness h;
  h.limits.max_total_expanded = 64u << 20;
  h.limits.max_entry_size = 16u << 20;
  h.limits.max_entries = 4096;
  const DotnetAssemblyExtractor assembly{};
  const XalzExtractor xalz{};
  const AssemblyStoreExtractor store{};
  std::function<void(Blob)> child = [&](Blob c) {
    h.touch(c);
    h.run(xalz, c, child);  // each run sniffs first: at most one of the two applies
    h.run(assembly, c, child);
  };
  const Blob blob(fuzz::as_bytes(data, size), nullptr, {"Fuzz.dll"});
  h.run(assembly, blob, child);
  h.run(xalz, blob, child);
  h.run(store, blob, child);
  return 0;
}
