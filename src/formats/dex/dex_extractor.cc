#include "formats/dex/dex_extractor.h"

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

// The strings one class uses: each use names its symbol by index into `symbols` (one per field
// or method), not by a copy, since a method loading twenty strings would otherwise copy its name
// twenty times.
struct ClassUses {
  struct Use {
    uint32_t symbol;
    uint32_t string_idx;
  };
  std::vector<std::string> symbols;
  std::vector<Use> uses;
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
  Result<void> class_uses(const dex::ClassDef& def, std::string_view class_name, ClassUses& uses) {
    uses.clear();
    if (def.class_data_off == 0) return {};  // a marker interface or empty class
    auto data = dex_.class_data(def.class_data_off);
    if (!data) return std::unexpected(data.error());
    if (auto ok = charge(data->encoded_size); !ok) return std::unexpected(ok.error());
    if (def.static_values_off != 0) {
      size_t encoded_size = 0;
      auto values = dex_.static_strings(def.static_values_off, &encoded_size);
      if (!values) return std::unexpected(values.error());
      if (auto ok = charge(encoded_size); !ok) return std::unexpected(ok.error());
      for (const dex::StaticString& v : *values) {
        if (v.position >= data->static_field_idx.size()) {
          return make_error(ErrorCode::kMalformed, "more static values than static fields", {},
                            def.static_values_off);
        }
        auto field = dex_.field_id(data->static_field_idx[v.position]);
        if (!field) return std::unexpected(field.error());
        auto name = string(field->name_idx);
        auto value = check_index(v.string_idx);
        if (!name || !value) return std::unexpected(!name ? name.error() : value.error());
        uses.symbols.emplace_back(class_name).append(".").append(*name);
        uses.add(v.string_idx);
      }
    }
    for (const dex::EncodedMethod& m : data->methods) {
      if (m.code_off == 0) continue;  // abstract or native
      auto id = dex_.method_id(m.method_idx);
      if (!id) return std::unexpected(id.error());
      auto name = string(id->name_idx);
      if (!name) return std::unexpected(name.error());
      auto insns = dex_.code_insns(m.code_off);
      if (!insns) return std::unexpected(insns.error());
      if (auto ok = charge(insns->size()); !ok) return std::unexpected(ok.error());
      uses.symbols.emplace_back(class_name).append(".").append(*name).append("()");
      const uint32_t method_stamp = method_counter_++;
      bool bad_index = false;
      auto walked = dex::for_each_const_string(*insns, [&](uint32_t idx) {
        if (idx >= strings_.size()) {
          bad_index = true;
          return;
        }
        // A method that loads the same string twice gets one line.
        if (seen_in_method_[idx] == method_stamp) return;
        seen_in_method_[idx] = method_stamp;
        uses.add(idx);
      });
      if (bad_index) {
        return make_error(ErrorCode::kMalformed, "const-string with an index past the string table",
                          {}, m.code_off);
      }
      if (!walked) {
        if (walked.error().code != ErrorCode::kUnsupported) {
          Error e = walked.error();
          e.message = "method " + std::string(*name) + ": " + e.message;
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
    if (auto ok = check_index(idx); !ok) return std::unexpected(ok.error());
    return strings_[idx];
  }
  Result<void> check_index(uint32_t idx) const {
    if (idx >= strings_.size()) {
      return make_error(ErrorCode::kMalformed, "string index " + std::to_string(idx) + " out of range");
    }
    return {};
  }

  const DexFile& dex_;
  const dex::StringTable& strings_;
  std::vector<uint32_t> seen_in_method_;
  uint32_t method_counter_ = 0;
  uint64_t budget_;
};

// Marks the strings the DEX uses as names: type descriptors, field and method names, proto
// shorties. They are identifiers the compiler wrote ("Lcom/example/Foo;", "getApiKey", "VLL"),
// often half of a string table, and no credential; skipping them in the list of strings no code
// loads keeps both the rendered text and high-entropy false positives (obfuscated names) down.
// A name that code also loads with const-string is still reported through that use.
std::vector<bool> identifier_strings(const DexFile& dex, size_t string_count) {
  std::vector<bool> is_name(string_count, false);
  auto mark = [&](const Result<uint32_t>& idx) {
    if (idx && *idx < string_count) is_name[*idx] = true;
  };
  const auto& h = dex.header();
  for (uint32_t i = 0; i < h.type_ids_size; ++i) mark(dex.type_descriptor_idx(i));
  for (uint32_t i = 0; i < h.proto_ids_size; ++i) mark(dex.proto_shorty_idx(i));
  for (uint32_t i = 0; i < h.field_ids_size; ++i)
    if (auto f = dex.field_id(i)) mark(f->name_idx);
  for (uint32_t i = 0; i < h.method_ids_size; ++i)
    if (auto m = dex.method_id(i)) mark(m->name_idx);
  return is_name;
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
  std::vector<bool> used(strings->size(), false);
  StringAttributor attributor(*dex, *strings);
  ClassUses uses;
  size_t broken_classes = 0;
  for (uint32_t i = 0; i < dex->header().class_defs_size; ++i) {
    auto def = dex->class_def(i);
    if (!def) return std::unexpected(def.error());  // the table was checked: only a bug gets here
    auto descriptor = dex->type_descriptor_idx(def->class_idx);
    std::string class_name = descriptor && *descriptor < strings->size()
                                 ? dex::java_class_name((*strings)[*descriptor])
                                 : "<class_def #" + std::to_string(i) + ">";
    if (attributor.budget_exhausted()) {
      ctx.diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                           "stopped attributing strings at class " + class_name +
                               ": class data and code read exceed 4 times the file size; the "
                               "remaining strings are listed without their methods");
      break;
    }
    auto read = attributor.class_uses(*def, class_name, uses);
    if (!read) {
      if (++broken_classes <= kMaxClassDiagnostics) {
        Error e = read.error();
        ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                             "class " + class_name + " skipped (its strings are still listed): " +
                                 (e.offset ? "at offset " + std::to_string(*e.offset) + ": " : "") +
                                 e.message);
      }
      continue;
    }
    for (const ClassUses::Use& u : uses.uses) {
      used[u.string_idx] = true;
      std::string_view value = (*strings)[u.string_idx];
      if (value.size() >= kMinStringBytes) text.add(uses.symbols[u.symbol], value);
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
  std::vector<bool> is_name = identifier_strings(*dex, strings->size());
  std::string symbol;
  for (uint32_t i = 0; i < strings->size(); ++i) {
    if (!used[i] && !is_name[i] && (*strings)[i].size() >= kMinStringBytes) {
      symbol.assign("dex string #").append(std::to_string(i));
      text.add(symbol, (*strings)[i]);
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
