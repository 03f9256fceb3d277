#include "formats/dex/dex_extractor.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/dex/dex_code.h"
#include "formats/dex/dex_file.h"
#include "formats/labelled_text.h"

namespace keysweep {

namespace {

using dex::DexFile;

// Strings shorter than this cannot be a credential any rule looks for; leaving them out keeps the
// rendered text (and the matcher's work) small. Applies to attributed and unattributed strings.
// (Bytes of UTF-8, never fewer than the characters.)
constexpr size_t kMinStringBytes = kShortestSecret;
// Past this many broken classes, one summary line replaces a diagnostic per class.
constexpr size_t kMaxClassDiagnostics = 10;

// The strings of kMinStringBytes or more one class uses (shorter ones render nothing, and the
// unattributed list skips them anyway). Each use names its symbol by index into `symbols` (one per
// field or method), a name in the string table: the rendered symbol ("com.example.Foo.bar()") is
// built only for the lines written, since most methods load no string long enough for one.
struct ClassUses {
  struct Symbol {
    std::string_view name;
    bool method;  // rendered with "()"
  };
  struct Use {
    uint32_t symbol;
    uint32_t string_idx;
  };
  std::vector<Symbol> symbols;
  std::vector<Use> uses;
  // Storage for reading one class, kept here so that it is allocated once per DEX, not per class.
  dex::ClassData data;
  std::vector<dex::StaticString> static_values;
  std::vector<uint32_t> method_strings;
  void clear() {
    symbols.clear();
    uses.clear();
  }
  void add(uint32_t string_idx) { uses.push_back({static_cast<uint32_t>(symbols.size() - 1), string_idx}); }
};

class StringAttributor {
 public:
  // In a valid DEX no two classes share class data and no two methods share code, so the bytes
  // read here add up to less than the file. Hostile files can point thousands of classes at one
  // huge item; the budget turns that quadratic walk into a diagnostic.
  StringAttributor(const DexFile& dex, const dex::StringTable& strings)
      : dex_(dex),
        strings_(strings),
        seen_in_method_(strings.size(), UINT32_MAX),
        budget_(4 * uint64_t{dex.header().file_size}) {}

  bool budget_exhausted() const { return budget_ == 0; }

  // The uses of strings in one class: static field initial values first, then const-strings of
  // direct and virtual methods in declaration order. Fails as a whole, so a broken class adds
  // nothing half-read (its strings then appear in the unattributed list).
  Result<void> class_uses(const dex::ClassDef& def, ClassUses& uses) {
    uses.clear();
    if (def.class_data_off == 0) return {};  // a marker interface or empty class
    dex::ClassData& data = uses.data;
    if (auto read = dex_.class_data(def.class_data_off, data); !read) return read;
    if (auto ok = charge(data.encoded_size); !ok) return std::unexpected(ok.error());
    if (def.static_values_off != 0) {
      size_t encoded_size = 0;
      if (auto read = dex_.static_strings(def.static_values_off, uses.static_values, &encoded_size);
          !read) {
        return read;
      }
      if (auto ok = charge(encoded_size); !ok) return std::unexpected(ok.error());
      for (const dex::StaticString& v : uses.static_values) {
        if (v.position >= data.static_field_idx.size()) {
          return make_error(ErrorCode::kMalformed, "more static values than static fields", {},
                            def.static_values_off);
        }
        auto field = dex_.field_id(data.static_field_idx[v.position]);
        if (!field) return std::unexpected(field.error());
        auto name = string(field->name_idx);
        auto value = check_index(v.string_idx);
        if (!name || !value) return std::unexpected(!name ? name.error() : value.error());
        if (strings_[v.string_idx].size() < kMinStringBytes) continue;
        uses.symbols.push_back({*name, false});
        uses.add(v.string_idx);
      }
    }
    for (const dex::EncodedMethod& m : data.methods) {
      if (m.code_off == 0) continue;  // abstract or native
      auto id = dex_.method_id(m.method_idx);
      if (!id) return std::unexpected(id.error());
      // The name is checked here but read only for a method that loads a string: its entry of
      // the string table lies at a random place, a cache miss per method, and most load none.
      if (auto ok = check_index(id->name_idx); !ok) return std::unexpected(ok.error());
      auto insns = dex_.code_insns(m.code_off);
      if (!insns) return std::unexpected(insns.error());
      if (auto ok = charge(insns->size()); !ok) return std::unexpected(ok.error());
      uses.method_strings.clear();
      auto walked = dex::append_const_strings(*insns, uses.method_strings);
      if (uses.method_strings.empty() && walked) continue;
      const std::string_view name = strings_[id->name_idx];
      uses.symbols.push_back({name, true});
      const uint32_t method_stamp = method_counter_++;
      for (uint32_t idx : uses.method_strings) {
        if (idx >= strings_.size()) {
          return make_error(ErrorCode::kMalformed,
                            "const-string with an index past the string table", {}, m.code_off);
        }
        if (strings_[idx].size() < kMinStringBytes) continue;
        // A method that loads the same string twice gets one line.
        if (seen_in_method_[idx] == method_stamp) continue;
        seen_in_method_[idx] = method_stamp;
        uses.add(idx);
      }
      if (!walked) {
        if (walked.error().code != ErrorCode::kUnsupported) {
          Error e = walked.error();
          e.message = "method " + std::string(name) + ": " + e.message;
          e.offset = uint64_t{m.code_off} + 16 + e.offset.value_or(0);
          return std::unexpected(e);
        }
        // Quickened code: the strings before the odd opcode are attributed, the rest fall back to
        // the unattributed list below.
        ++methods_with_unknown_opcodes;
      }
    }
    return {};
  }

  size_t methods_with_unknown_opcodes = 0;

 private:
  Result<void> charge(uint64_t bytes) {
    if (bytes > budget_) {
      budget_ = 0;
      return make_error(ErrorCode::kLimit, "class data and code read add up to over 4 times the "
                                           "file size (items shared between classes)");
    }
    budget_ -= bytes;
    return {};
  }
  Result<std::string_view> string(uint32_t idx) const {
    if (idx >= strings_.size()) return index_error(idx);
    return strings_[idx];
  }
  Result<void> check_index(uint32_t idx) const {
    if (idx >= strings_.size()) return index_error(idx);
    return {};
  }
  static std::unexpected<Error> index_error(uint32_t idx) {
    return make_error(ErrorCode::kMalformed, "string index " + std::to_string(idx) + " out of range");
  }

  const DexFile& dex_;
  const dex::StringTable& strings_;
  std::vector<uint32_t> seen_in_method_;
  uint32_t method_counter_ = 0;
  uint64_t budget_;
};

// Marks in `skip` the strings the DEX uses as names: type descriptors, field and method names,
// proto shorties. They are identifiers the compiler wrote ("Lcom/example/Foo;", "getApiKey", "VLL"),
// often half of a string table, and no credential; skipping them in the list of strings no code
// loads keeps both the rendered text and high-entropy false positives (obfuscated names) down.
// A name that code also loads with const-string is still reported through that use.
void mark_identifier_strings(const DexFile& dex, std::vector<uint8_t>& skip) {
  dex.for_each_name_string([&](uint32_t idx) {
    if (idx < skip.size()) skip[idx] = 1;
  });
}

// The name class_def `i` is reported under: its Java name, or its index when its type is broken.
void append_class_name(std::string& out, const DexFile& dex, const dex::StringTable& strings,
                       uint32_t i, const dex::ClassDef& def) {
  auto descriptor = dex.type_descriptor_idx(def.class_idx);
  if (descriptor && *descriptor < strings.size()) {
    dex::append_java_class_name(out, strings[*descriptor]);
  } else {
    out.append("<class_def #").append(std::to_string(i)).append(">");
  }
}

// "DefaultDrmSession" for "com.google.android.exoplayer2.drm.DefaultDrmSession" (and
// "Outer$Inner" for a nested class).
std::string_view simple_class_name(std::string_view java_name) {
  const size_t dot = java_name.rfind('.');
  return dot == std::string_view::npos ? java_name : java_name.substr(dot + 1);
}

// Whether a string a class loads is its own simple name, or one part of a nested class's
// ("Outer$Inner": "Outer", "Inner"): the log tag nearly every Android class has
// (`TAG = "DefaultDrmSession"`), or a name looked up by reflection. Never a credential, and a
// CamelCase name reads as random letters to the context scorer: ExoPlayer's DefaultDrmSession
// was a generic.secret in a real app (restoreKeys() logs under it).
bool names_the_class(std::string_view simple_name, std::string_view value) {
  if (value == simple_name) return true;
  for (size_t from = 0; from <= simple_name.size();) {
    const size_t dollar = std::min(simple_name.find('$', from), simple_name.size());
    if (simple_name.substr(from, dollar - from) == value) return true;
    from = dollar + 1;
  }
  return false;
}

}  // namespace

bool DexExtractor::sniff(const Blob& blob) const { return dex::has_dex_magic(blob.bytes()); }

Result<void> DexExtractor::extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const {
  auto dex = DexFile::parse(blob.bytes(), ctx.limits);
  if (!dex) return std::unexpected(dex.error());
  size_t bad_strings = 0;
  auto strings = dex::read_strings(*dex, &bad_strings);
  if (!strings) return std::unexpected(strings.error());
  if (bad_strings > 0) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         std::to_string(bad_strings) + " of " + std::to_string(strings->size()) +
                             " strings lie outside the file or have no end; they are skipped");
  }

  LabelledTextBuilder text;
  // The rendered text is about the size of the string data; reserving it spares the copies (and
  // fresh page faults) of growing a multi-megabyte buffer by doubling.
  text.reserve(blob.size());
  // Strings not to list as unattributed: those a class uses, then the names.
  // A byte per string, not std::vector<bool>: every string is marked or tested at least once,
  // and a bit's shift and mask per access cost more than the memory a byte takes.
  std::vector<uint8_t> skip(strings->size(), 0);
  StringAttributor attributor(*dex, *strings);
  ClassUses uses;
  size_t broken_classes = 0;
  // One buffer each for the class name and the symbol of the line being written, reused.
  std::string class_name, symbol;
  for (uint32_t i = 0; i < dex->header().class_defs_size; ++i) {
    auto def = dex->class_def(i);
    if (!def) return std::unexpected(def.error());  // the table was checked: only a bug gets here
    if (attributor.budget_exhausted()) {
      class_name.clear();
      append_class_name(class_name, *dex, *strings, i, *def);
      ctx.diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                           "stopped attributing strings at class " + class_name +
                               ": class data and code read exceed 4 times the file size; the "
                               "remaining strings are listed without their methods");
      break;
    }
    auto read = attributor.class_uses(*def, uses);
    if (!read) {
      if (++broken_classes <= kMaxClassDiagnostics) {
        class_name.clear();
        append_class_name(class_name, *dex, *strings, i, *def);
        Error e = read.error();
        ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                             "class " + class_name + " skipped (its strings are still listed): " +
                                 (e.offset ? "at offset " + std::to_string(*e.offset) + ": " : "") +
                                 e.message);
      }
      continue;
    }
    if (uses.uses.empty()) continue;
    class_name.clear();
    append_class_name(class_name, *dex, *strings, i, *def);
    const std::string_view simple_name = simple_class_name(class_name);
    uint32_t symbol_built = UINT32_MAX;
    for (const ClassUses::Use& u : uses.uses) {
      skip[u.string_idx] = true;
      if (names_the_class(simple_name, (*strings)[u.string_idx])) continue;
      if (u.symbol != symbol_built) {
        const ClassUses::Symbol& s = uses.symbols[u.symbol];
        symbol.assign(class_name).append(".").append(s.name);
        if (s.method) symbol.append("()");
        symbol_built = u.symbol;
      }
      text.add(symbol, (*strings)[u.string_idx]);
    }
  }
  if (broken_classes > kMaxClassDiagnostics) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         std::to_string(broken_classes - kMaxClassDiagnostics) +
                             " more classes skipped for malformed class data");
  }
  if (attributor.methods_with_unknown_opcodes > 0) {
    ctx.diagnostics.warn(DiagnosticKind::kOther, blob.display_path(),
                         std::to_string(attributor.methods_with_unknown_opcodes) +
                             " methods use opcodes the DEX spec leaves unused (optimized code?); "
                             "strings after them are listed without their method");
  }
  // Strings no code or field loads (annotation values, debug info) are still listed, so a secret
  // anywhere in the string table is found, if without a method to point to. Names are not.
  mark_identifier_strings(*dex, skip);
  constexpr std::string_view kUnattributed = "dex string #";
  char label[kUnattributed.size() + 10];  // the prefix and a uint32_t's digits
  kUnattributed.copy(label, kUnattributed.size());
  for (uint32_t i = 0; i < strings->size(); ++i) {
    if (!skip[i] && (*strings)[i].size() >= kMinStringBytes) {
      char* end = std::to_chars(label + kUnattributed.size(), label + sizeof label, i).ptr;
      text.add(std::string_view(label, static_cast<size_t>(end - label)), (*strings)[i]);
    }
  }
  if (text.empty()) return {};
  if (ctx.expanded_bytes) {
    *ctx.expanded_bytes += text.size();
    if (*ctx.expanded_bytes > ctx.limits.max_total_expanded) {
      return make_error(ErrorCode::kLimit, "expanded data over the limit of " +
                                               std::to_string(ctx.limits.max_total_expanded) + " bytes");
    }
  }
  emit(text.finish(blob, "strings"));
  return {};
}

}  // namespace keysweep
