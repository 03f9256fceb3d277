#include "formats/dotnet/assembly_store.h"

#include <cstdio>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

constexpr uint64_t kHeaderSize = 20;
constexpr uint64_t kV1DescriptorSize = 24, kV2DescriptorSize = 28;
// No assembly file name is this long; a longer length means the name table is not one.
constexpr uint32_t kMaxNameBytes = 1024;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string abi_name(uint32_t id) {
  switch (id) {
    case 1:
      return "arm64-v8a";
    case 2:
      return "armeabi-v7a";
    case 3:
      return "x86_64";
    case 4:
      return "x86";
    default:
      return {};
  }
}

// "assembly #3" or "assembly #3 (Foo.dll)", for messages.
std::string describe(uint32_t i, std::string_view name) {
  std::string s = "assembly #" + std::to_string(i);
  if (!name.empty()) s += " (" + std::string(name) + ")";
  return s;
}

// Reads the names that follow the descriptors; on any inconsistency the names are dropped (the
// assemblies are still listed by number) and the reason kept.
std::vector<std::string_view> read_names(const ByteReader& r, uint64_t pos, uint32_t count,
                                         std::string& problem) {
  std::vector<std::string_view> names;
  names.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto len = r.le_at<uint32_t>(pos);
    if (!len || *len == 0 || *len > kMaxNameBytes) {
      problem = "name #" + std::to_string(i) + " at offset " + std::to_string(pos) +
                (len ? " has length " + std::to_string(*len) : " lies past the end of the store");
      return {};
    }
    auto name = r.view_at(pos + 4, *len);
    if (!name) {
      problem = "name #" + std::to_string(i) + " runs past the end of the store";
      return {};
    }
    names.push_back(*name);
    pos += 4 + *len;
  }
  return names;
}

}  // namespace

Result<AssemblyStore> parse_assembly_store(std::string_view bytes, uint64_t max_entries) {
  ByteReader r(bytes);
  if (bytes.size() < kHeaderSize || !bytes.starts_with(kAssemblyStoreMagic))
    return make_error(ErrorCode::kMalformed, "not an assembly store (no XABA header)");
  const uint32_t version = *r.le_at<uint32_t>(4);
  const uint32_t count = *r.le_at<uint32_t>(8);
  AssemblyStore store;
  const uint32_t format = version & 0xFFFF;
  const uint32_t abi_id = (version >> 16) & 0xFF;
  const bool v1 = version == 1;
  const bool v2plus =
      (format == 2 || format == 3) && !abi_name(abi_id).empty() && (version & 0x7F000000) == 0;
  if (!v1 && !v2plus)
    return make_error(ErrorCode::kUnsupported,
                      "assembly store format version " + hex(version) +
                          " is not supported (1, and 2 or 3 with an Android ABI, are)",
                      {}, 4);
  store.format = v1 ? 1 : format;
  if (v2plus) store.abi = abi_name(abi_id);
  if (count > max_entries)
    return make_error(ErrorCode::kLimit,
                      "assembly store lists " + std::to_string(count) +
                          " assemblies, over the limit of " + std::to_string(max_entries),
                      {}, 8);

  uint64_t descriptors = kHeaderSize, descriptor_size = kV1DescriptorSize;
  if (v2plus) {
    const uint32_t index_entries = *r.le_at<uint32_t>(12), index_size = *r.le_at<uint32_t>(16);
    // Each entry is a 4- or 8-byte hash and a 4-byte descriptor index, plus the v3 ignore byte.
    const uint64_t entry = uint64_t{index_size} / (index_entries ? index_entries : 1);
    const bool sized = index_entries == 0 ? index_size == 0
                                          : uint64_t{index_entries} * entry == index_size &&
                                                (format == 2 ? entry == 8 || entry == 12
                                                             : entry == 9 || entry == 13);
    if (!sized)
      return make_error(ErrorCode::kMalformed,
                        "assembly store index of " + std::to_string(index_entries) +
                            " entries cannot be " + std::to_string(index_size) + " bytes",
                        {}, 16);
    if (index_size > bytes.size() - kHeaderSize)
      return make_error(ErrorCode::kMalformed,
                        "assembly store index (" + std::to_string(index_size) +
                            " bytes) runs past the end of the store",
                        {}, kHeaderSize);
    descriptors += index_size;
    descriptor_size = kV2DescriptorSize;
  }
  if ((bytes.size() - descriptors) / descriptor_size < count)
    return make_error(
        ErrorCode::kMalformed,
        "assembly store's " + std::to_string(count) + " descriptors run past the end of the store",
        {}, descriptors);
  std::vector<std::string_view> names;
  if (v2plus)
    names =
        read_names(r, descriptors + uint64_t{count} * descriptor_size, count, store.names_problem);

  store.entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    // v2+ descriptors begin with the runtime's mapping index; the v1 fields follow.
    const uint64_t d = descriptors + uint64_t{i} * descriptor_size + (v2plus ? 4 : 0);
    const uint32_t off = *r.le_at<uint32_t>(d), size = *r.le_at<uint32_t>(d + 4);
    const std::string_view name = i < names.size() ? names[i] : std::string_view();
    if (store.format == 3 && off == 0 && size == 0) {  // ignored: listed, its data left out
      ++store.ignored;
      continue;
    }
    auto data = r.view_at(off, size);
    if (!data)
      return make_error(ErrorCode::kMalformed,
                        describe(i, name) + " (offset " + std::to_string(off) + ", " +
                            std::to_string(size) + " bytes) lies outside the store",
                        {}, d);
    store.entries.push_back({i, name, *data});
  }
  return store;
}

}  // namespace keysweep
