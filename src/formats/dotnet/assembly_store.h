// Xamarin.Android / .NET for Android assembly stores (assemblies/assemblies.blob and
// assemblies.<abi>.blob, format version 1): a 20-byte header ("XABA", version, local entry count,
// global entry count, store id) and one 24-byte descriptor per assembly (data offset and size,
// then debug and config data). Each assembly is a PE image or XALZ. Later versions (.NET 9 stores
// inside libassemblies.<abi>.blob.so) lay the index out differently and are refused.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

inline constexpr std::string_view kAssemblyStoreMagic = "XABA";

struct AssemblyStoreEntry {
  uint32_t index = 0;
  std::string_view data;  // the assembly: PE or XALZ
};

// kUnsupported for format versions other than 1; kMalformed when the descriptors or an
// assembly lie outside the file.
Result<std::vector<AssemblyStoreEntry>> parse_assembly_store(std::string_view bytes, uint64_t max_entries);

}  // namespace keysweep
