#include "formats/dotnet/assembly_store.h"

#include <string>

#include "io/byte_reader.h"

namespace keysweep {

namespace {
constexpr uint64_t kHeaderSize = 20, kDescriptorSize = 24;
}  // namespace

Result<std::vector<AssemblyStoreEntry>> parse_assembly_store(std::string_view bytes,
                                                             uint64_t max_entries) {
  ByteReader r(bytes);
  if (bytes.size() < kHeaderSize || !bytes.starts_with(kAssemblyStoreMagic))
    return make_error(ErrorCode::kMalformed, "not an assembly store (no XABA header)");
  const uint32_t version = *r.le_at<uint32_t>(4);
  if (version != 1)
    return make_error(ErrorCode::kUnsupported,
                      "assembly store format version " + std::to_string(version) +
                          " is not supported (version 1 is)",
                      {}, 4);
  const uint32_t count = *r.le_at<uint32_t>(8);
  if (count > max_entries)
    return make_error(ErrorCode::kLimit, "assembly store lists " + std::to_string(count) +
                                             " assemblies, over the limit of " + std::to_string(max_entries),
                      {}, 8);
  if ((bytes.size() - kHeaderSize) / kDescriptorSize < count)
    return make_error(ErrorCode::kMalformed, "assembly store's " + std::to_string(count) +
                                                 " descriptors run past the end of the file",
                      {}, kHeaderSize);
  std::vector<AssemblyStoreEntry> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t d = kHeaderSize + uint64_t{i} * kDescriptorSize;
    const uint32_t off = *r.le_at<uint32_t>(d), size = *r.le_at<uint32_t>(d + 4);
    auto data = r.view_at(off, size);
    if (!data)
      return make_error(ErrorCode::kMalformed,
                        "assembly #" + std::to_string(i) + " (offset " + std::to_string(off) + ", " +
                            std::to_string(size) + " bytes) lies outside the store",
                        {}, d);
    out.push_back({i, *data});
  }
  return out;
}

}  // namespace keysweep
