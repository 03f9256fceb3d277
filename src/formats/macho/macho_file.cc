#include "formats/macho/macho_file.h"

#include <algorithm>
#include <cstdio>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

constexpr uint32_t kMhMagic = 0xfeedface, kMhMagic64 = 0xfeedfacf;
constexpr uint32_t kFatMagic = 0xcafebabe, kFatMagic64 = 0xcafebabf;
constexpr uint32_t kLcSegment = 0x1, kLcSymtab = 0x2, kLcSegment64 = 0x19;
constexpr uint32_t kLcEncryptionInfo = 0x21, kLcEncryptionInfo64 = 0x2c;
constexpr uint32_t kLcDyldChainedFixups = 0x80000034;
constexpr uint32_t kCpuArch64 = 0x01000000, kCpuArch6432 = 0x02000000;
constexpr uint32_t kCpuTypeX86 = 7, kCpuTypeArm = 12;
constexpr uint8_t kNStab = 0xe0, kNType = 0x0e, kNSect = 0x0e;
// Java class files read as a fat header with nfat_arch >= 45 (their major version).
constexpr uint32_t kJavaClassMinVersion = 45;
// Real universal binaries hold a handful of slices; more is a corrupt or hostile header.
constexpr uint32_t kMaxFatArch = 32;
// Bounds against hostile counts (each is also bounded by the bytes really present).
constexpr uint32_t kMaxSections = 65536;
constexpr uint64_t kMaxSymbols = 4'000'000;

// Section types without bytes in the file (S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL).
bool is_zerofill(uint32_t flags) {
  uint32_t type = flags & 0xff;
  return type == 0x1 || type == 0xc || type == 0x12;
}

std::string fixed_name(std::string_view sixteen) {
  return std::string(sixteen.substr(0, sixteen.find('\0')));
}

std::unexpected<Error> malformed(std::string message, std::optional<uint64_t> offset = {}) {
  return make_error(ErrorCode::kMalformed, std::move(message), {}, offset);
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Reads the fields of a load command or table entry: little-endian words of the slice's width.
class SliceReader {
 public:
  SliceReader(std::string_view data, bool is64) : r_(data), is64_(is64) {}
  Result<uint32_t> u32(uint64_t off) const { return r_.le_at<uint32_t>(off); }
  Result<uint64_t> u64(uint64_t off) const { return r_.le_at<uint64_t>(off); }
  // A pointer-sized field (uint32 in 32-bit images).
  Result<uint64_t> word(uint64_t off) const {
    if (is64_) return r_.le_at<uint64_t>(off);
    auto v = r_.le_at<uint32_t>(off);
    if (!v) return std::unexpected(v.error());
    return uint64_t{*v};
  }
  const ByteReader& raw() const { return r_; }

 private:
  ByteReader r_;
  bool is64_;
};

// LC_SEGMENT / LC_SEGMENT_64 and the section headers after it.
Result<void> parse_segment(const SliceReader& r, uint64_t off, uint32_t cmdsize, MachOSlice& s) {
  const bool w = s.is64;
  const uint64_t seg_size = w ? 72 : 56, sect_size = w ? 80 : 68;
  if (cmdsize < seg_size) return malformed("segment command too small", off);
  auto name = r.raw().view_at(off + 8, 16);
  auto vmaddr = r.word(off + 24);
  auto vmsize = r.word(w ? off + 32 : off + 28);
  auto fileoff = r.word(w ? off + 40 : off + 32);
  auto filesize = r.word(w ? off + 48 : off + 36);
  auto nsects = r.u32(w ? off + 64 : off + 48);
  if (!name || !vmaddr || !vmsize || !fileoff || !filesize || !nsects)
    return malformed("truncated segment command", off);
  MachOSegment seg{fixed_name(*name), *vmaddr, *vmsize, *fileoff, *filesize, 0};
  uint64_t seg_end = 0;
  if (!checked_add(seg.fileoff, seg.filesize, &seg_end) || seg_end > s.bytes.size()) {
    s.problems.push_back("segment " + seg.name + " (file offset " + hex(seg.fileoff) + ", size " +
                         hex(seg.filesize) + ") lies outside the file");
    seg.filesize = 0;  // keep the index (chained fixups count segments) but map nothing
  }
  s.segments.push_back(seg);
  if (*nsects > kMaxSections || seg_size + uint64_t{*nsects} * sect_size > cmdsize)
    return malformed("segment " + seg.name + " claims " + std::to_string(*nsects) +
                         " sections, more than its command holds", off);
  for (uint32_t i = 0; i < *nsects; ++i) {
    uint64_t h = off + seg_size + uint64_t{i} * sect_size;
    auto sectname = r.raw().view_at(h, 16), segname = r.raw().view_at(h + 16, 16);
    auto addr = r.word(h + 32), size = r.word(w ? h + 40 : h + 36);
    auto offset = r.u32(w ? h + 48 : h + 40), flags = r.u32(w ? h + 64 : h + 56);
    if (!sectname || !segname || !addr || !size || !offset || !flags)
      return malformed("truncated section header", h);
    MachOSection sec{fixed_name(*segname), fixed_name(*sectname), *addr, *size, *offset, *flags};
    if (is_zerofill(sec.flags) || sec.size == 0) continue;
    uint64_t end = 0;
    if (!checked_add(sec.offset, sec.size, &end) || end > s.bytes.size()) {
      s.problems.push_back("section " + sec.label() + " (offset " + hex(sec.offset) + ", size " +
                           hex(sec.size) + ") lies outside the file; skipped");
      continue;
    }
    s.sections.push_back(std::move(sec));
  }
  return {};
}

void parse_symtab(const SliceReader& r, uint64_t off, MachOSlice& s) {
  auto symoff = r.u32(off + 8), nsyms = r.u32(off + 12);
  auto stroff = r.u32(off + 16), strsize = r.u32(off + 20);
  if (!symoff || !nsyms || !stroff || !strsize) {
    s.problems.push_back("truncated LC_SYMTAB; symbols not used");
    return;
  }
  const uint64_t entsize = s.is64 ? 16 : 12;
  auto names = r.raw().view_at(*stroff, *strsize);
  auto table = r.raw().view_at(*symoff, uint64_t{*nsyms} * entsize);
  if (!names || !table || *nsyms > kMaxSymbols) {
    s.problems.push_back("symbol table lies outside the file; symbols not used");
    return;
  }
  for (uint32_t i = 0; i < *nsyms; ++i) {
    uint64_t e = *symoff + uint64_t{i} * entsize;
    auto strx = r.u32(e);
    auto type = r.raw().le_at<uint8_t>(e + 4);
    auto value = r.word(e + 8);
    if (!strx || !type || !value) break;
    if ((*type & kNStab) || (*type & kNType) != kNSect || *strx >= names->size()) continue;
    std::string_view n = names->substr(*strx);
    n = n.substr(0, n.find('\0'));
    // Assembler-local labels (ltmp0, l_.str) name no variable a user wrote.
    if (n.empty() || n.starts_with("ltmp") || n.starts_with("l_") || n.starts_with("L")) continue;
    s.symbols.push_back(MachOSymbol{*value, std::string(n)});
  }
  std::sort(s.symbols.begin(), s.symbols.end(), [](const MachOSymbol& a, const MachOSymbol& b) {
    return a.addr != b.addr ? a.addr < b.addr : a.name < b.name;
  });
  s.symbols.erase(std::unique(s.symbols.begin(), s.symbols.end(),
                              [](const auto& a, const auto& b) { return a.addr == b.addr; }),
                  s.symbols.end());
}

// LC_DYLD_CHAINED_FIXUPS: only the pointer format of each segment's chains is needed, to decode
// the rebase targets stored in pointer fields.
void parse_chained_fixups(const SliceReader& r, uint64_t off, MachOSlice& s) {
  auto dataoff = r.u32(off + 8), datasize = r.u32(off + 12);
  if (!dataoff || !datasize) return;
  auto blob = r.raw().view_at(*dataoff, *datasize);
  if (!blob) {
    s.problems.push_back("chained fixups lie outside the file; pointers read as plain addresses");
    return;
  }
  ByteReader f(*blob);
  auto starts = f.le_at<uint32_t>(4);
  if (!starts) return;
  auto seg_count = f.le_at<uint32_t>(*starts);
  if (!seg_count) return;
  uint32_t n = std::min<uint32_t>(*seg_count, static_cast<uint32_t>(s.segments.size()));
  for (uint32_t i = 0; i < n; ++i) {
    auto seg_info = f.le_at<uint32_t>(uint64_t{*starts} + 4 + 4ull * i);
    if (!seg_info) return;
    if (*seg_info == 0) continue;
    auto format = f.le_at<uint16_t>(uint64_t{*starts} + *seg_info + 6);
    if (format) s.segments[i].chained_format = *format;
  }
}

}  // namespace

std::string macho_arch_name(uint32_t cputype, uint32_t cpusubtype) {
  const uint32_t sub = cpusubtype & 0x00ffffff;  // the top byte holds capability bits (arm64e ABI)
  switch (cputype) {
    case kCpuTypeArm | kCpuArch64: return sub == 2 ? "arm64e" : "arm64";
    case kCpuTypeArm | kCpuArch6432: return "arm64_32";
    case kCpuTypeX86 | kCpuArch64: return sub == 8 ? "x86_64h" : "x86_64";
    case kCpuTypeX86: return "i386";
    case kCpuTypeArm:
      switch (sub) {
        case 6: return "armv6";
        case 9: return "armv7";
        case 11: return "armv7s";
        case 12: return "armv7k";
        default: return "arm";
      }
    default: return "cpu-" + std::to_string(cputype);
  }
}

bool MachOSlice::in_encrypted_range(uint64_t offset, uint64_t size) const {
  if (!encrypted()) return false;
  const uint64_t lo = encryption->offset, hi = encryption->offset + encryption->size;
  return offset < hi && offset + size > lo;
}

std::optional<uint64_t> MachOSlice::vm_to_offset(uint64_t vmaddr, uint64_t size) const {
  for (const MachOSegment& seg : segments) {
    if (vmaddr < seg.vmaddr || vmaddr - seg.vmaddr >= seg.filesize) continue;
    uint64_t delta = vmaddr - seg.vmaddr;
    if (size > seg.filesize - delta) return std::nullopt;
    return seg.fileoff + delta;
  }
  return std::nullopt;
}

uint64_t MachOSlice::image_base() const {
  for (const MachOSegment& seg : segments)
    if (seg.name == "__TEXT") return seg.vmaddr;
  return 0;
}

std::optional<size_t> MachOSlice::segment_of(uint64_t vmaddr) const {
  for (size_t i = 0; i < segments.size(); ++i) {
    const MachOSegment& seg = segments[i];
    if (vmaddr >= seg.vmaddr && vmaddr - seg.vmaddr < seg.vmsize) return i;
  }
  return std::nullopt;
}

std::optional<uint64_t> MachOSlice::pointer_target(uint64_t raw, size_t segment_index) const {
  const uint16_t format = segment_index < segments.size() ? segments[segment_index].chained_format : 0;
  const uint64_t base = image_base();
  // Decodings per <mach-o/fixup-chains.h>; bind bits mean the value comes from another image.
  switch (format) {
    case 0:  // rebase opcodes (LC_DYLD_INFO) or none: the field holds the unslid address
      return raw;
    case 2:    // DYLD_CHAINED_PTR_64: target is a vmaddr
    case 6: {  // DYLD_CHAINED_PTR_64_OFFSET: target is an offset from the image base
      if (raw >> 63) return std::nullopt;
      uint64_t target = raw & 0xfffffffffull, high8 = (raw >> 36) & 0xff;
      return (high8 << 56) | (format == 6 ? base + target : target);
    }
    case 1:     // DYLD_CHAINED_PTR_ARM64E: vmaddr targets
    case 9:     // DYLD_CHAINED_PTR_ARM64E_USERLAND: offset targets
    case 12: {  // DYLD_CHAINED_PTR_ARM64E_USERLAND24: offset targets
      const bool auth = raw >> 63, bind = (raw >> 62) & 1;
      if (bind) return std::nullopt;
      if (auth) return base + (raw & 0xffffffffull);  // auth rebases always hold an offset
      uint64_t target = raw & 0x7ffffffffffull, high8 = (raw >> 43) & 0xff;
      return (high8 << 56) | (format == 1 ? target : base + target);
    }
    case 3:  // DYLD_CHAINED_PTR_32: 26-bit vmaddr target, bind in bit 31
      if (raw & 0x80000000u) return std::nullopt;
      return raw & 0x3ffffff;
    default:
      return std::nullopt;
  }
}

Result<MachOSlice> parse_macho_slice(std::string_view bytes) {
  SliceReader probe(bytes, false);
  auto magic = probe.u32(0);
  if (!magic) return malformed("truncated Mach-O header", 0);
  if (*magic != kMhMagic && *magic != kMhMagic64) return malformed("not a Mach-O image", 0);
  MachOSlice s;
  s.is64 = *magic == kMhMagic64;
  s.bytes = bytes;
  const uint64_t header_size = s.is64 ? 32 : 28;
  if (bytes.size() < header_size) return malformed("truncated Mach-O header", 0);
  SliceReader r(bytes, s.is64);
  s.cputype = *r.u32(4);
  s.cpusubtype = *r.u32(8);
  s.filetype = *r.u32(12);
  const uint32_t ncmds = *r.u32(16), sizeofcmds = *r.u32(20);
  s.arch = macho_arch_name(s.cputype, s.cpusubtype);
  if (sizeofcmds > bytes.size() - header_size)
    return malformed("sizeofcmds " + std::to_string(sizeofcmds) + " is larger than the file (" +
                         std::to_string(bytes.size()) + " bytes)", 20);
  if (uint64_t{ncmds} * 8 > sizeofcmds)
    return malformed("ncmds " + std::to_string(ncmds) + " cannot fit in sizeofcmds " +
                         std::to_string(sizeofcmds), 16);
  const uint64_t cmds_end = header_size + sizeofcmds;
  uint64_t off = header_size;
  std::optional<uint64_t> chained_fixups_cmd;
  for (uint32_t i = 0; i < ncmds; ++i) {
    auto cmd = r.u32(off), cmdsize = r.u32(off + 4);
    if (!cmd || !cmdsize) return malformed("truncated load command " + std::to_string(i), off);
    if (*cmdsize < 8 || *cmdsize > cmds_end - off)
      return malformed("load command " + std::to_string(i) + " (size " +
                           std::to_string(*cmdsize) + ") runs past the load commands", off);
    switch (*cmd) {
      case kLcSegment:
      case kLcSegment64:
        if ((*cmd == kLcSegment64) != s.is64)
          return malformed("segment command of the wrong width", off);
        if (auto ok = parse_segment(r, off, *cmdsize, s); !ok) return std::unexpected(ok.error());
        break;
      case kLcSymtab:
        if (*cmdsize < 24) return malformed("LC_SYMTAB too small", off);
        parse_symtab(r, off, s);
        break;
      case kLcEncryptionInfo:
      case kLcEncryptionInfo64: {
        if (*cmdsize < 20) return malformed("LC_ENCRYPTION_INFO too small", off);
        MachOEncryption enc{*r.u32(off + 8), *r.u32(off + 12), *r.u32(off + 16)};
        // Keep the widest claim: a second command must not hide an encrypted range.
        if (!s.encryption || enc.cryptid != 0) s.encryption = enc;
        break;
      }
      case kLcDyldChainedFixups:
        if (*cmdsize < 16) return malformed("LC_DYLD_CHAINED_FIXUPS too small", off);
        chained_fixups_cmd = off;  // read after every segment is known
        break;
      default:
        break;
    }
    off += *cmdsize;
  }
  if (chained_fixups_cmd) parse_chained_fixups(r, *chained_fixups_cmd, s);
  return s;
}

bool macho_sniff(std::string_view bytes) {
  ByteReader r(bytes);
  auto le = r.le_at<uint32_t>(0);
  if (le && (*le == kMhMagic || *le == kMhMagic64)) return bytes.size() >= 28;
  auto be = r.be_at<uint32_t>(0);
  auto n = r.be_at<uint32_t>(4);
  return be && n && (*be == kFatMagic || *be == kFatMagic64) && *n >= 1 &&
         *n < kJavaClassMinVersion;
}

Result<MachOFile> parse_macho(std::string_view bytes) {
  ByteReader r(bytes);
  auto magic = r.be_at<uint32_t>(0);
  if (!magic) return malformed("truncated Mach-O header", 0);
  MachOFile file;
  if (*magic != kFatMagic && *magic != kFatMagic64) {
    auto slice = parse_macho_slice(bytes);
    if (!slice) return std::unexpected(slice.error());
    file.slices.push_back(std::move(*slice));
    return file;
  }
  file.fat = true;
  const bool fat64 = *magic == kFatMagic64;
  auto nfat = r.be_at<uint32_t>(4);
  if (!nfat) return malformed("truncated fat header", 4);
  if (*nfat == 0 || *nfat > kMaxFatArch)
    return malformed("nfat_arch " + std::to_string(*nfat) + " is not a plausible slice count", 4);
  const uint64_t entsize = fat64 ? 32 : 20;
  if (8 + *nfat * entsize > bytes.size())
    return malformed("fat arch table runs past the end of the file", 8);
  struct Arch {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size;
  };
  std::vector<Arch> archs;
  for (uint32_t i = 0; i < *nfat; ++i) {
    uint64_t e = 8 + i * entsize;
    Arch a{*r.be_at<uint32_t>(e), *r.be_at<uint32_t>(e + 4), 0, 0};
    if (fat64) {
      a.offset = *r.be_at<uint64_t>(e + 8);
      a.size = *r.be_at<uint64_t>(e + 16);
    } else {
      a.offset = *r.be_at<uint32_t>(e + 8);
      a.size = *r.be_at<uint32_t>(e + 12);
    }
    uint64_t end = 0;
    if (!checked_add(a.offset, a.size, &end) || end > bytes.size() || a.offset < 8 + *nfat * entsize)
      return malformed("fat slice " + std::to_string(i) + " (" +
                           macho_arch_name(a.cputype, a.cpusubtype) + ", offset " + hex(a.offset) +
                           ", size " + hex(a.size) + ") lies outside the file or over its header", e);
    archs.push_back(a);
  }
  std::vector<Arch> sorted = archs;
  std::sort(sorted.begin(), sorted.end(), [](const Arch& a, const Arch& b) { return a.offset < b.offset; });
  for (size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i - 1].offset + sorted[i - 1].size > sorted[i].offset)
      return malformed("fat slices " + macho_arch_name(sorted[i - 1].cputype, sorted[i - 1].cpusubtype) +
                       " and " + macho_arch_name(sorted[i].cputype, sorted[i].cpusubtype) +
                       " overlap at offset " + hex(sorted[i].offset));
  std::optional<Error> first_error;
  for (const Arch& a : archs) {
    auto slice = parse_macho_slice(bytes.substr(a.offset, a.size));
    if (!slice) {
      Error e = slice.error();
      e.message = macho_arch_name(a.cputype, a.cpusubtype) + " slice at " + hex(a.offset) + ": " +
                  e.message;
      if (e.offset) e.offset = *e.offset + a.offset;
      file.slice_errors.push_back(e.message);
      if (!first_error) first_error = e;
      continue;
    }
    slice->file_offset = a.offset;
    file.slices.push_back(std::move(*slice));
  }
  if (file.slices.empty()) return std::unexpected(*first_error);
  return file;
}

}  // namespace keysweep
