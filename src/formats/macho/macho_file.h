// Mach-O binaries (iOS apps, frameworks, dylibs): thin 32/64-bit images and fat/universal files
// holding several of them. The model keeps what string extraction needs: segments (to turn a
// pointer's vmaddr into a file offset), sections, data symbols, the FairPlay encryption range and
// the chained-fixup pointer format of each segment. Every offset and count is checked against the
// bytes; nothing here allocates by an unchecked field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

struct MachOSegment {
  std::string name;
  uint64_t vmaddr = 0, vmsize = 0, fileoff = 0, filesize = 0;
  uint16_t chained_format = 0;  // DYLD_CHAINED_PTR_* of its pointers, 0 when not chained
};

struct MachOSection {
  std::string segname, sectname;
  uint64_t addr = 0, size = 0;
  uint64_t offset = 0;  // from the start of the slice; offset + size lies inside the slice
  uint32_t flags = 0;
  std::string label() const { return segname + "," + sectname; }
};

struct MachOSymbol {
  uint64_t addr = 0;
  std::string name;
};

struct MachOEncryption {
  uint64_t offset = 0, size = 0;  // cryptoff/cryptsize, from the start of the slice
  uint32_t cryptid = 0;           // non-zero: the range is FairPlay-encrypted on disk
};

// One architecture's image: the whole file when thin, one fat_arch's bytes when universal.
struct MachOSlice {
  std::string arch;  // "arm64", "arm64e", "armv7", "x86_64", ...
  uint32_t cputype = 0, cpusubtype = 0, filetype = 0;
  bool is64 = false;
  std::string_view bytes;  // the slice's bytes (a view into the parsed buffer)
  uint64_t file_offset = 0;
  std::vector<MachOSegment> segments;
  std::vector<MachOSection> sections;  // only sections whose bytes lie inside the slice
  std::vector<MachOSymbol> symbols;    // defined section symbols, sorted by address
  std::optional<MachOEncryption> encryption;
  // Non-fatal problems (a section or the symbol table outside the file): the rest is usable.
  std::vector<std::string> problems;

  bool encrypted() const { return encryption && encryption->cryptid != 0; }
  // Whether [offset, offset+size) of the slice overlaps the encrypted range.
  bool in_encrypted_range(uint64_t offset, uint64_t size) const;
  // The slice offset of [vmaddr, vmaddr+size), when it lies in one segment's file bytes.
  std::optional<uint64_t> vm_to_offset(uint64_t vmaddr, uint64_t size) const;
  // The vmaddr a pointer field holds: a plain pointer, or a chained-fixup rebase decoded by the
  // format of `segment_index` (the segment the field lives in). Empty for binds and nonsense.
  std::optional<uint64_t> pointer_target(uint64_t raw, size_t segment_index) const;
  // The base the image was linked at (the __TEXT segment's vmaddr).
  uint64_t image_base() const;
  // The index of the segment holding `vmaddr`, if any.
  std::optional<size_t> segment_of(uint64_t vmaddr) const;
};

struct MachOFile {
  bool fat = false;
  std::vector<MachOSlice> slices;
  // Slices of a fat file that could not be parsed while others could (named by arch).
  std::vector<std::string> slice_errors;
};

// True for a thin Mach-O (little-endian MH_MAGIC/MH_MAGIC_64) or a fat header. Java class files
// share 0xCAFEBABE; their version field reads as an nfat_arch of 45 or more, which this rejects.
bool macho_sniff(std::string_view bytes);
// Parses a thin or fat file. Errors name the reason and the offset; a fat file is an error only
// when its header is broken or no slice parses.
Result<MachOFile> parse_macho(std::string_view bytes);
// Parses one thin image (`bytes` starts at its mach_header).
Result<MachOSlice> parse_macho_slice(std::string_view bytes);
std::string macho_arch_name(uint32_t cputype, uint32_t cpusubtype);

}  // namespace keysweep
