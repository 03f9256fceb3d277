#include "formats/macho/macho_extractor.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "formats/labelled_text.h"
#include "io/byte_reader.h"
#include "io/utf16.h"

namespace keysweep {

namespace {

// Shorter strings are skipped: no credential is under 8 bytes, and Mach-O string sections are
// full of short format fragments and keys ("%@", "id", "name") that would only add noise.
constexpr size_t kMinStringBytes = 8;
// CFString flags: bit 4 set means the characters are UTF-16 (0x7d0) rather than bytes (0x7c8).
constexpr uint32_t kCfStringUnicode = 0x10;

bool is_data_segment(std::string_view seg) {
  // __DATA, __DATA_CONST, __DATA_DIRTY; arm64e moves signed pointers to __AUTH/__AUTH_CONST.
  return seg.starts_with("__DATA") || seg.starts_with("__AUTH");
}

bool printable(char c) {
  auto b = static_cast<unsigned char>(c);
  return (b >= 0x20 && b < 0x7f) || b == '\t';
}

// Deduplicates strings by content across slices, and bounds the work: hostile files can make
// many CFStrings or overlapping sections cover the same large range again and again.
class Collector {
 public:
  explicit Collector(uint64_t budget) : budget_(budget) {}
  // Accounts for `n` bytes about to be read; false once the budget is spent.
  bool charge(uint64_t n) {
    if (n > budget_) {
      budget_ = 0;
      exhausted_ = true;
      return false;
    }
    budget_ -= n;
    return true;
  }
  bool exhausted() const { return exhausted_; }
  void add(std::string_view key, std::string value, const std::string& arch) {
    if (value.size() < kMinStringBytes) return;
    auto it = index_.find(value);
    if (it != index_.end()) {
      auto& slices = entries_[it->second].slices;
      if (std::find(slices.begin(), slices.end(), arch) == slices.end()) slices.push_back(arch);
      return;
    }
    entries_.push_back(MachOString{std::string(key), std::move(value), {arch}});
    index_.emplace(entries_.back().value, entries_.size() - 1);
  }
  std::vector<MachOString> take() {
    index_.clear();
    return {std::make_move_iterator(entries_.begin()), std::make_move_iterator(entries_.end())};
  }

 private:
  std::deque<MachOString> entries_;  // a deque: the index keys view the values in place
  std::unordered_map<std::string_view, size_t> index_;
  uint64_t budget_;
  bool exhausted_ = false;
};

class SliceStrings {
 public:
  SliceStrings(const MachOSlice& s, Collector& c) : s_(s), c_(c), r_(s.bytes) {}

  void run() {
    name_pointer_targets();
    for (const MachOSection& sec : s_.sections)
      if (is_data_segment(sec.segname) && sec.sectname == "__cfstring") cfstrings(sec);
    for (const MachOSection& sec : s_.sections) {
      if (c_.exhausted()) return;
      if (sec.sectname == "__cstring") {
        cstrings(sec);
      } else if (sec.sectname == "__ustring") {
        ustrings(sec);
      } else if ((sec.sectname == "__const" && (sec.segname == "__TEXT" || is_data_segment(sec.segname))) ||
                 (sec.sectname == "__data" && is_data_segment(sec.segname))) {
        printable_runs(sec);
      }
    }
  }

 private:
  size_t ptr_size() const { return s_.is64 ? 8 : 4; }

  Result<uint64_t> word(uint64_t off) const {
    if (s_.is64) return r_.le_at<uint64_t>(off);
    auto v = r_.le_at<uint32_t>(off);
    if (!v) return std::unexpected(v.error());
    return uint64_t{*v};
  }

  // The symbol at or before `addr` within `sec`: Mach-O symbols have no size, so a symbol is
  // taken to run until the next one.
  const MachOSymbol* covering_symbol(const MachOSection& sec, uint64_t addr) const {
    auto it = std::upper_bound(s_.symbols.begin(), s_.symbols.end(), addr,
                               [](uint64_t a, const MachOSymbol& sym) { return a < sym.addr; });
    if (it == s_.symbols.begin()) return nullptr;
    --it;
    return it->addr >= sec.addr ? &*it : nullptr;
  }

  std::string key_for(const MachOSection& sec, uint64_t addr) const {
    auto it = named_.find(addr);
    return it != named_.end() ? it->second : sec.label();
  }

  // Globals like `NSString *const kApiKey = @"…"` or `const char *const kToken = "…"` are pointers
  // in __DATA*,__const/__data under a symbol: remember which symbol points at which address, so
  // the string (or CFString) there is labelled with the name the developer gave it.
  void name_pointer_targets() {
    if (s_.symbols.empty()) return;
    for (const MachOSection& sec : s_.sections) {
      if (!is_data_segment(sec.segname) || (sec.sectname != "__const" && sec.sectname != "__data"))
        continue;
      if (!c_.charge(sec.size)) return;
      auto seg = s_.segment_of(sec.addr);
      const uint64_t p = ptr_size();
      for (uint64_t rel = (p - sec.addr % p) % p; rel + p <= sec.size; rel += p) {
        const MachOSymbol* sym = covering_symbol(sec, sec.addr + rel);
        if (!sym) continue;
        auto raw = word(sec.offset + rel);
        if (!raw) break;
        auto target = s_.pointer_target(*raw, seg.value_or(s_.segments.size()));
        if (target) named_.emplace(*target, sym->name);
      }
    }
  }

  void cfstrings(const MachOSection& sec) {
    const uint64_t stride = s_.is64 ? 32 : 16;
    auto seg = s_.segment_of(sec.addr);
    for (uint64_t rel = 0; rel + stride <= sec.size; rel += stride) {
      const uint64_t at = sec.offset + rel;
      auto flags = r_.le_at<uint32_t>(at + ptr_size());
      auto ptr = word(at + 2 * ptr_size());
      auto length = word(at + 3 * ptr_size());
      if (!flags || !ptr || !length) return;
      auto target = s_.pointer_target(*ptr, seg.value_or(s_.segments.size()));
      if (!target || *length > s_.bytes.size()) continue;
      const bool unicode = *flags & kCfStringUnicode;
      const uint64_t nbytes = unicode ? 2 * *length : *length;
      auto off = s_.vm_to_offset(*target, nbytes);
      if (!off || s_.in_encrypted_range(*off, nbytes)) continue;
      if (!c_.charge(nbytes)) return;
      auto chars = r_.view_at(*off, nbytes);
      if (!chars) continue;
      c_.add(key_for(sec, sec.addr + rel),
             unicode ? utf16le_to_utf8(*chars) : std::string(*chars), s_.arch);
    }
  }

  void cstrings(const MachOSection& sec) {
    if (!c_.charge(sec.size)) return;
    std::string_view data = *r_.view_at(sec.offset, sec.size);
    size_t start = 0;
    while (start < data.size()) {
      size_t end = data.find('\0', start);
      if (end == std::string_view::npos) end = data.size();
      const size_t len = end - start;
      if (len >= kMinStringBytes && !s_.in_encrypted_range(sec.offset + start, len))
        c_.add(key_for(sec, sec.addr + start), std::string(data.substr(start, len)), s_.arch);
      start = end + 1;
    }
  }

  void ustrings(const MachOSection& sec) {
    if (!c_.charge(sec.size)) return;
    std::string_view data = *r_.view_at(sec.offset, sec.size);
    auto take = [&](size_t start, size_t len) {
      if (len >= 2 && !s_.in_encrypted_range(sec.offset + start, len))
        c_.add(key_for(sec, sec.addr + start), utf16le_to_utf8(data.substr(start, len)), s_.arch);
    };
    size_t start = 0;
    for (size_t i = 0; i + 1 < data.size(); i += 2) {
      if (data[i] != '\0' || data[i + 1] != '\0') continue;
      take(start, i - start);
      start = i + 2;
    }
    if (start < data.size()) take(start, (data.size() - start) & ~size_t{1});
  }

  // Inline character arrays (`static const char kKey[] = "…"`) among other constant data.
  void printable_runs(const MachOSection& sec) {
    if (!c_.charge(sec.size)) return;
    std::string_view data = *r_.view_at(sec.offset, sec.size);
    size_t i = 0;
    while (i < data.size()) {
      if (!printable(data[i])) {
        ++i;
        continue;
      }
      size_t start = i;
      while (i < data.size() && printable(data[i])) ++i;
      const size_t len = i - start;
      if (len < kMinStringBytes || s_.in_encrypted_range(sec.offset + start, len)) continue;
      const uint64_t addr = sec.addr + start;
      std::string key;
      if (auto it = named_.find(addr); it != named_.end()) {
        key = it->second;
      } else if (const MachOSymbol* sym = covering_symbol(sec, addr)) {
        key = sym->name;
      } else {
        key = sec.label();
      }
      c_.add(key, std::string(data.substr(start, len)), s_.arch);
    }
  }

  const MachOSlice& s_;
  Collector& c_;
  ByteReader r_;
  std::unordered_map<uint64_t, std::string> named_;  // vmaddr -> symbol of a pointer to it
};

}  // namespace

MachOStrings collect_macho_strings(const MachOFile& file) {
  uint64_t total = 0;
  for (const MachOSlice& s : file.slices) total += s.bytes.size();
  Collector c(4 * total + (1u << 20));
  MachOStrings out;
  for (const MachOSlice& s : file.slices) {
    if (s.encrypted()) out.encrypted_slices.push_back(s.arch);
    SliceStrings(s, c).run();
  }
  out.strings = c.take();
  out.budget_exhausted = c.exhausted();
  return out;
}

bool MachOExtractor::sniff(const Blob& blob) const { return macho_sniff(blob.bytes()); }

Result<void> MachOExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                     const EmitBlob& emit) const {
  const std::string path = blob.display_path();
  auto file = parse_macho(blob.bytes());
  if (!file) {
    Error e = file.error();
    e.path = path;
    return std::unexpected(e);
  }
  for (const std::string& problem : file->slice_errors)
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, path, problem + "; slice skipped");
  for (const MachOSlice& s : file->slices)
    for (const std::string& problem : s.problems)
      ctx.diagnostics.warn(DiagnosticKind::kMalformed, path, s.arch + " slice: " + problem);

  MachOStrings found = collect_macho_strings(*file);
  if (!found.encrypted_slices.empty()) {
    std::string archs;
    for (const std::string& a : found.encrypted_slices) archs += (archs.empty() ? "" : ", ") + a;
    ctx.diagnostics.warn(DiagnosticKind::kEncrypted, path,
                         "FairPlay-encrypted (" + archs +
                             "): code strings in the encrypted range could not be scanned; scan a "
                             "decrypted IPA");
  }
  if (found.budget_exhausted)
    ctx.diagnostics.warn(DiagnosticKind::kLimit, path,
                         "string sections cover the file many times over; extraction stopped early");
  if (found.strings.empty()) return {};

  LabelledTextBuilder text;
  for (const MachOString& s : found.strings) text.add(s.key, s.value);
  if (ctx.expanded_bytes) {
    *ctx.expanded_bytes += text.size();
    if (*ctx.expanded_bytes > ctx.limits.max_total_expanded)
      return make_error(ErrorCode::kLimit, "expanded data over the limit of " +
                                               std::to_string(ctx.limits.max_total_expanded) +
                                               " bytes", path);
  }
  Blob child = text.finish(blob, "strings");
  // The rendered key stays the bare symbol (keyword rules read it as context); the label a finding
  // reports adds the slices holding the string.
  const Segments& segments = child.segments();
  Segments labelled;
  for (size_t i = 0; i < segments.size(); ++i) {
    Segment s = segments[i];
    if (i >= found.strings.size()) {
      labelled.push_back(s);
      continue;
    }
    std::string label(s.label);
    label += " [";
    for (size_t k = 0; k < found.strings[i].slices.size(); ++k)
      label.append(k ? ", " : "").append(found.strings[i].slices[k]);
    label += "]";
    labelled.push_back({s.offset, label});
  }
  child.segments() = std::move(labelled);
  emit(std::move(child));
  return {};
}

}  // namespace keysweep
