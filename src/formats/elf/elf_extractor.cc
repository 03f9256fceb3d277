#include "formats/elf/elf_extractor.h"

#include <algorithm>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

constexpr uint32_t kShtProgbits = 1, kShtSymtab = 2, kShtDynsym = 11;
constexpr uint64_t kShfAlloc = 0x2, kShfExecinstr = 0x4;
constexpr uint8_t kSttObject = 1;
// .NET for Android 9+ wraps its assembly store in a shared library (libassemblies.<abi>.blob.so)
// whose section of this name holds the store (dotnet/android: the runtime's
// get_wrapper_dso_payload_pointer_and_size; the build adds it with objcopy --add-section).
constexpr std::string_view kWrapperPayloadSection = "payload";
// More section headers than this is not a real library; refuse rather than allocate.
constexpr uint32_t kMaxSections = 65535;
// Symbols read from one table: enough for any real .so, bounded against hostile counts.
constexpr uint64_t kMaxSymbols = 2'000'000;

std::string abi_for_machine(uint16_t machine) {
  switch (machine) {
    case 183: return "arm64-v8a";    // EM_AARCH64
    case 40: return "armeabi-v7a";   // EM_ARM
    case 3: return "x86";            // EM_386
    case 62: return "x86_64";        // EM_X86_64
    case 243: return "riscv64";      // EM_RISCV
    default: return "machine-" + std::to_string(machine);
  }
}

// Reads a field of the file's byte order.
class ElfReader {
 public:
  ElfReader(std::string_view data, bool le) : r_(data), le_(le) {}
  template <class T>
  Result<T> at(uint64_t off) const {
    return le_ ? r_.le_at<T>(off) : r_.be_at<T>(off);
  }
  Result<uint64_t> word(uint64_t off, bool is64) const {
    if (is64) return at<uint64_t>(off);
    auto v = at<uint32_t>(off);
    if (!v) return std::unexpected(v.error());
    return uint64_t{*v};
  }
  const ByteReader& raw() const { return r_; }

 private:
  ByteReader r_;
  bool le_;
};

}  // namespace

bool elf_section_holds_strings(const ElfSection& s) {
  if (s.type != kShtProgbits || !(s.flags & kShfAlloc) || (s.flags & kShfExecinstr) || !s.size)
    return false;
  // Unwind tables, relocation targets and constructor lists hold addresses, not text.
  for (std::string_view skip : {".eh_frame", ".gcc_except_table", ".got", ".init_array",
                                ".fini_array", ".preinit_array", ".interp", ".note", ".ARM.ex"})
    if (std::string_view(s.name).starts_with(skip)) return false;
  return true;
}

std::vector<ElfSymbol> elf_data_symbols(std::string_view bytes, const ElfInfo& info) {
  std::vector<ElfSymbol> out;
  ElfReader r(bytes, info.little_endian);
  const bool w = info.is64;
  for (const auto& sec : info.sections) {
    if (sec.type != kShtSymtab && sec.type != kShtDynsym) continue;
    if (sec.link >= info.sections.size()) continue;
    const ElfSection& strtab = info.sections[sec.link];
    auto names = r.raw().view_at(strtab.offset, strtab.size);
    if (!names) continue;
    const uint64_t entsize = w ? 24 : 16;
    uint64_t count = std::min<uint64_t>(sec.size / entsize, kMaxSymbols);
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t e = sec.offset + i * entsize;
      auto name = r.at<uint32_t>(e);
      auto info_byte = r.raw().le_at<uint8_t>(w ? e + 4 : e + 12);
      auto value = r.word(w ? e + 8 : e + 4, w);
      auto size = r.word(w ? e + 16 : e + 8, w);
      if (!name || !info_byte || !value || !size) break;  // table runs past the file: stop here
      if ((*info_byte & 0xF) != kSttObject || *size == 0 || *name >= names->size()) continue;
      std::string_view n = names->substr(*name);
      n = n.substr(0, n.find('\0'));
      if (!n.empty()) out.push_back(ElfSymbol{*value, *size, std::string(n)});
    }
  }
  std::sort(out.begin(), out.end(), [](const ElfSymbol& a, const ElfSymbol& b) {
    return a.addr != b.addr ? a.addr < b.addr : a.name < b.name;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const ElfSymbol& a, const ElfSymbol& b) { return a.addr == b.addr; }),
            out.end());
  return out;
}

Result<ElfInfo> parse_elf(std::string_view bytes) {
  if (bytes.size() < 52 || bytes.substr(0, 4) != "\x7f" "ELF")
    return make_error(ErrorCode::kMalformed, "not an ELF file");
  ElfInfo info;
  uint8_t cls = static_cast<uint8_t>(bytes[4]), data = static_cast<uint8_t>(bytes[5]);
  if (cls != 1 && cls != 2) return make_error(ErrorCode::kMalformed, "bad ELF class", {}, 4);
  if (data != 1 && data != 2) return make_error(ErrorCode::kMalformed, "bad ELF byte order", {}, 5);
  info.is64 = cls == 2;
  info.little_endian = data == 1;
  ElfReader r(bytes, info.little_endian);
  auto machine = r.at<uint16_t>(18);
  if (!machine) return std::unexpected(machine.error());
  info.machine = *machine;
  info.abi = abi_for_machine(info.machine);

  const bool w = info.is64;
  auto shoff = r.word(w ? 0x28 : 0x20, w);
  auto shentsize = r.at<uint16_t>(w ? 0x3A : 0x2E);
  auto shnum = r.at<uint16_t>(w ? 0x3C : 0x30);
  auto shstrndx = r.at<uint16_t>(w ? 0x3E : 0x32);
  if (!shoff || !shentsize || !shnum || !shstrndx)
    return make_error(ErrorCode::kMalformed, "truncated ELF header");
  if (*shoff == 0 || *shnum == 0) return make_error(ErrorCode::kMalformed, "no section headers");
  uint64_t min_entsize = w ? 64 : 40;
  if (*shentsize < min_entsize)
    return make_error(ErrorCode::kMalformed, "section header size " + std::to_string(*shentsize) +
                                                 " is too small", {}, w ? 0x3A : 0x2E);
  if (*shnum > kMaxSections) return make_error(ErrorCode::kMalformed, "too many sections");
  uint64_t table_size = 0, table_end = 0;
  if (!checked_mul(*shnum, *shentsize, &table_size) || !checked_add(*shoff, table_size, &table_end) ||
      table_end > bytes.size())
    return make_error(ErrorCode::kMalformed, "section header table lies outside the file", {},
                      *shoff);

  struct Raw {
    uint32_t name, type, link;
    uint64_t flags, addr, offset, size;
  };
  std::vector<Raw> raw;
  raw.reserve(*shnum);
  for (uint32_t i = 0; i < *shnum; ++i) {
    uint64_t h = *shoff + uint64_t{i} * *shentsize;
    Raw s{};
    auto name = r.at<uint32_t>(h), type = r.at<uint32_t>(h + 4);
    auto flags = r.word(h + 8, w), addr = r.word(w ? h + 16 : h + 12, w);
    auto off = r.word(w ? h + 24 : h + 16, w), size = r.word(w ? h + 32 : h + 20, w);
    auto link = r.at<uint32_t>(w ? h + 40 : h + 24);
    if (!name || !type || !flags || !addr || !off || !size || !link)
      return make_error(ErrorCode::kMalformed, "truncated section header", {}, h);
    s = Raw{*name, *type, *link, *flags, *addr, *off, *size};
    raw.push_back(s);
  }
  std::string_view names;
  if (*shstrndx < raw.size()) {
    const Raw& st = raw[*shstrndx];
    if (auto v = r.raw().view_at(st.offset, st.size)) names = *v;
  }
  for (const Raw& s : raw) {
    ElfSection sec;
    if (s.name < names.size()) {
      std::string_view n = names.substr(s.name);
      sec.name = std::string(n.substr(0, n.find('\0')));
    }
    sec.type = s.type;
    sec.link = s.link;
    sec.flags = s.flags;
    sec.addr = s.addr;
    sec.offset = s.offset;
    sec.size = s.size;
    info.sections.push_back(std::move(sec));
  }
  return info;
}

bool ElfExtractor::sniff(const Blob& blob) const {
  return blob.size() >= 52 && blob.bytes().substr(0, 4) == "\x7f" "ELF";
}

Result<void> ElfExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                   const EmitBlob& emit) const {
  auto info = parse_elf(blob.bytes());
  if (!info) {
    Error e = info.error();
    e.path = blob.display_path();
    return std::unexpected(e);
  }
  const std::vector<ElfSymbol> symbols = elf_data_symbols(blob.bytes(), *info);
  const std::string abi_label = "(" + info->abi + ")";
  size_t emitted = 0;
  for (const ElfSection& sec : info->sections) {
    const bool payload = sec.name == kWrapperPayloadSection && sec.type == kShtProgbits && sec.size;
    if (!payload && !elf_section_holds_strings(sec)) continue;
    uint64_t end = 0;
    if (!checked_add(sec.offset, sec.size, &end) || end > blob.size()) {
      ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                           "section " + sec.name + " lies outside the file; skipped");
      continue;
    }
    if (payload) {
      // Handed on as it is, to be sniffed by content (an assembly store is "XABA").
      emit(blob.child_view(sec.name, blob.bytes().substr(sec.offset, sec.size)));
      ++emitted;
      continue;
    }
    // C strings sit side by side separated by NULs. A NUL becomes a line break so that a key
    // string and the value after it ("twilio_auth_token", "5e2a…") read as a key and its value, as
    // they would in a config file.
    std::string text(blob.bytes().substr(sec.offset, sec.size));
    std::replace(text.begin(), text.end(), '\0', '\n');
    Blob child = blob.child(sec.name.empty() ? "section" : sec.name, std::move(text));
    child.set_meaningful_lines(false);
    // Label each string with the data symbol covering it; bytes no symbol covers get the ABI.
    auto& segs = child.segments();
    segs.push_back({0, abi_label});
    auto first = std::lower_bound(symbols.begin(), symbols.end(), sec.addr,
                                  [](const ElfSymbol& s, uint64_t a) { return s.addr < a; });
    for (auto it = first; it != symbols.end() && it->addr < sec.addr + sec.size; ++it) {
      uint64_t start = it->addr - sec.addr;
      uint64_t stop = std::min(sec.size, start + it->size);
      if (!segs.empty() && segs.back().offset == start) segs.pop_back();
      segs.push_back({start, it->name + " " + abi_label});
      segs.push_back({stop, abi_label});
    }
    emit(std::move(child));
    ++emitted;
  }
  if (emitted == 0) return make_error(ErrorCode::kMalformed, "no data sections", blob.display_path());
  return {};
}

}  // namespace keysweep
