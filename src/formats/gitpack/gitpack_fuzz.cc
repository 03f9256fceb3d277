// libFuzzer target: a pack and its index (the input is a 4-byte big-endian index length, the
// index, then the pack) through pass 1 and every chain's resolution. Any bytes must give objects,
// diagnostics or an open() error, never a crash, a hang or an allocation past the limits.
#include <cstdint>
#include <string_view>

#include "formats/fuzz_harness.h"
#include "formats/gitpack/pack_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  std::string_view in = fuzz::as_bytes(data, size);
  if (in.size() < 4) return 0;
  size_t idx_len = (size_t{data[0]} << 24) | (size_t{data[1]} << 16) | (size_t{data[2]} << 8) | data[3];
  in.remove_prefix(4);
  if (idx_len > in.size()) return 0;
  fuzz::NullSink sink;
  gitpack::PackLimits limits;
  limits.max_object_size = 8u << 20;
  limits.max_chain_depth = 64;
  auto pack = gitpack::PackFile::open(in.substr(idx_len), in.substr(0, idx_len), "fuzz.pack", sink, limits);
  if (!pack) return 0;
  gitpack::Resolver r;
  uint64_t total = 0;
  gitpack::SizeReader sizes;
  for (uint32_t i = 0; i < (*pack)->object_count(); ++i) (void)(*pack)->object_size(i, sizes);
  for (const auto& chain : (*pack)->chains())
    (*pack)->resolve(chain, r, [&](uint32_t, gitpack::ObjectType, std::string_view bytes) {
      if (!bytes.empty()) total += static_cast<uint8_t>(bytes.front()) + static_cast<uint8_t>(bytes.back());
    }, sink);
  return total == 1 ? 1 : 0;
}
