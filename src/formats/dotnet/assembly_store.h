// Xamarin.Android / .NET for Android assembly stores, the blob an app's managed code ships in.
// Layouts, little-endian and packed; every store starts with "XABA" and a format version:
//   v1 (Xamarin.Android, .NET 6-8: assemblies/assemblies[.<abi>].blob): a 20-byte header (magic,
//      version 1, local entry count, global entry count, store id), then one 24-byte descriptor per
//      assembly (data offset and size, debug offset and size, config offset and size). No names.
//   v2 (.NET 9) and v3 (later dotnet/android builds): the `payload` section of a shared library,
//      lib/<abi>/libassemblies.<abi>.blob.so (the ELF extractor hands that section on). Header:
//      magic, version, entry_count, index_entry_count, index_size; the version word is the format
//      (low 16 bits) | ABI << 16 (1 arm64, 2 arm, 3 x86_64, 4 x86) | bit 31 on 64-bit ABIs. Then
//      the name-hash index (index_size bytes: v2 entries are a hash of the pointer size plus a
//      descriptor index, v3 add an `ignore` byte), entry_count 28-byte descriptors (mapping index,
//      then the v1 fields), and entry_count names (uint32 length + UTF-8), in descriptor order.
//      Sources: dotnet/android src/Xamarin.Android.Build.Tasks/Utilities/AssemblyStoreGenerator.cs
//      (writer; version constants 0x80000002 / 0x80000003) and src/native/.../xamarin-app.hh
//      (AssemblyStoreHeader, AssemblyStoreIndexEntry, AssemblyStoreEntryDescriptor).
// Each assembly is a PE image or XALZ; offsets count from the start of the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

inline constexpr std::string_view kAssemblyStoreMagic = "XABA";

struct AssemblyStoreEntry {
  uint32_t index = 0;     // descriptor number
  std::string_view name;  // "Contoso.Sms.dll" (v2+), empty when the store holds no names
  std::string_view data;  // the assembly: PE or XALZ
};

struct AssemblyStore {
  uint32_t format = 0;  // 1, 2 or 3
  std::string abi;      // v2+: arm64-v8a, armeabi-v7a, x86_64, x86; empty for v1
  std::vector<AssemblyStoreEntry> entries;
  uint32_t ignored = 0;       // v3 entries marked absent (no data in this store)
  std::string names_problem;  // why the name table could not be read (names then left empty)
};

// kUnsupported for other format versions; kMalformed when the index, the descriptors or an
// assembly lie outside the store; kLimit past `max_entries` assemblies.
Result<AssemblyStore> parse_assembly_store(std::string_view bytes, uint64_t max_entries);

}  // namespace keysweep
