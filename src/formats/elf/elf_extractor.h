// ELF shared objects and executables (Android native libraries lib/<abi>/*.so, Flutter's
// libapp.so, IL2CPP's libil2cpp.so): the string-bearing sections, each as a child Blob named after
// the section, labelled with the data symbol that covers each string where the symbol table says.
// A section named `payload` (.NET for Android's libassemblies.<abi>.blob.so) is handed on unchanged,
// to be opened by content.
#pragma once

#include <string>
#include <vector>

#include "formats/extractor.h"

namespace keysweep {

struct ElfSection {
  std::string name;
  uint64_t offset = 0, size = 0, addr = 0;
  uint32_t type = 0;
  uint32_t link = 0;  // for symbol tables: the index of their string table
  uint64_t flags = 0;
};

struct ElfSymbol {
  uint64_t addr = 0, size = 0;
  std::string name;
};

struct ElfInfo {
  bool is64 = false;
  bool little_endian = true;
  uint16_t machine = 0;
  std::string abi;  // Android ABI name for the machine: arm64-v8a, armeabi-v7a, x86, x86_64
  std::vector<ElfSection> sections;
};

// Parses the header and section table. Every offset and size is checked against the file.
Result<ElfInfo> parse_elf(std::string_view bytes);
// The sections whose bytes can hold string literals: allocated, not code, with file contents.
bool elf_section_holds_strings(const ElfSection& s);
// Sized data symbols (STT_OBJECT) from .symtab and .dynsym, sorted by address: they name the
// variable or constant that holds a string.
std::vector<ElfSymbol> elf_data_symbols(std::string_view bytes, const ElfInfo& info);

class ElfExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "elf"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

}  // namespace keysweep
