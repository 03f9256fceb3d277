#include "formats/android_res/android_extractors.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "formats/android_res/binary_xml.h"
#include "formats/android_res/resource_table.h"
#include "formats/labelled_text.h"

namespace keysweep {

namespace {

using android_res::ParseNotes;

void report_notes(const ParseNotes& notes, const Blob& blob, ExtractContext& ctx) {
  for (const auto& m : notes.messages()) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(), m);
  }
  if (notes.dropped()) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         std::to_string(notes.dropped()) + " more problems not listed");
  }
}

// Rendered text counts against the expansion budget like a decompressed entry. One long string
// referenced by thousands of 8-byte entries would otherwise turn kilobytes into gigabytes, so the
// budget is enforced line by line, not after the fact.
class BudgetedText {
 public:
  // `expected_size`: a guess of the rendered size, reserved up front so the text is not copied
  // on every doubling of a multi-megabyte table.
  // `sibling`: another text of the same table whose size counts against this one's budget too.
  BudgetedText(const ExtractContext& ctx, size_t expected_size,
               const BudgetedText* sibling = nullptr)
      : sibling_(sibling) {
    budget_ = ctx.limits.max_entry_size;
    if (ctx.expanded_bytes) {
      uint64_t left = ctx.limits.max_total_expanded > *ctx.expanded_bytes
                          ? ctx.limits.max_total_expanded - *ctx.expanded_bytes
                          : 0;
      budget_ = std::min(budget_, left);
    }
    text_.reserve(std::min<uint64_t>(expected_size, budget_));
  }
  // The line's SymbolRef, or none when the budget left it out.
  std::optional<LabelledTextBuilder::SymbolRef> add(std::string_view symbol,
                                                    std::string_view value) {
    if (!fits(symbol.size(), value)) return std::nullopt;
    return text_.add(symbol, value);
  }
  std::string_view label(const LabelledTextBuilder::SymbolRef& ref) const {
    return text_.label(ref);
  }
  void add_again(const LabelledTextBuilder::SymbolRef& ref, std::string_view value) {
    if (fits(ref.key_size, value)) text_.add_again(ref, value);
  }
  size_t size() const { return text_.size(); }
  // Takes over the count of values `other` left out, so one note says how many in all.
  void take_dropped(BudgetedText& other) { dropped_ += std::exchange(other.dropped_, 0); }
  // `translated`: see Blob::translated().
  Result<void> emit(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit, const char* name,
                    bool translated = false) {
    if (dropped_) {
      ctx.diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                           std::to_string(dropped_) +
                               " values not rendered: the text would pass the expansion limit");
    }
    if (text_.empty()) return {};
    if (ctx.expanded_bytes) *ctx.expanded_bytes += text_.size();
    Blob text = text_.finish(blob, name);
    text.set_translated(translated);
    emit(std::move(text));
    return {};
  }

 private:
  bool fits(size_t key_size, std::string_view value) {
    const size_t used = text_.size() + (sibling_ ? sibling_->size() : 0);
    if (used + key_size + value.size() + 8 <= budget_) return true;
    ++dropped_;
    return false;
  }

  const BudgetedText* sibling_ = nullptr;
  LabelledTextBuilder text_;
  uint64_t budget_ = 0;
  uint64_t dropped_ = 0;
};

// One text of a resource table. A resource has a line for each configuration that translates
// it (values-fr, values-de, ...), in chunks far apart: its label is stored and its key rendered
// for the first, and shared by the others (framework-res.apk: 106,644 lines, 4,918 symbols).
// Looked up by the resource id, and the item's name for an item of a complex entry; the symbol is
// compared too, since nothing makes a crafted table give one id the same name in every chunk, and
// a line whose symbol differs is written in full (and remembered in place of the other).
class ResourceText {
 public:
  ResourceText(const ExtractContext& ctx, size_t expected_size,
               const ResourceText* sibling = nullptr)
      : text(ctx, expected_size, sibling ? &sibling->text : nullptr) {}

  // `symbol`: append_resource_symbol's for `s`.
  void add(const android_res::ResourceString& s, std::string_view symbol) {
    // (An item named 0 shares its entry's key: the symbols differ, so it is only a miss.)
    const uint64_t id = s.map_name ? (uint64_t{*s.map_name} << 32 | s.id) : s.id;
    auto it = seen_.find(id);
    if (it != seen_.end() && text.label(it->second) == symbol) {
      text.add_again(it->second, s.value);
    } else if (auto ref = text.add(symbol, s.value)) {
      seen_.insert_or_assign(id, *ref);
    }
  }

  BudgetedText text;

 private:
  std::unordered_map<uint64_t, LabelledTextBuilder::SymbolRef> seen_;
};

class ArscExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "arsc"; }
  bool sniff(const Blob& blob) const override {
    return android_res::looks_like_resource_table(blob.bytes());
  }
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override {
    // Two texts: `values` for the default configuration and every qualifier but a language, and
    // `translations` for values under a language (values-fr/), which context rules leave alone
    // (Blob::translated): framework-res.apk's "Wachtwoordwijziging" (Dutch for "change password")
    // under @string/PwdMmi is a label on a screen, not a password.
    ResourceText values(ctx, blob.size());
    ResourceText translations(ctx, blob.size(), &values);
    ParseNotes notes;
    // The same value under several configurations (values-v21, values-fr) is one line, in the
    // text of the first (aapt and aapt2 write the default configuration's chunk first, so a value
    // copied into a translation unchanged stays among the values).
    android_res::ResourceTableOptions options;
    options.unique_values = true;
    options.min_value_units = kShortestSecret;
    std::string symbol;
    auto stats = android_res::parse_resource_table(
        blob.bytes(), ctx.limits,
        [&](const android_res::ResourceString& s) {
          if (s.value.empty()) return;
          symbol.clear();
          android_res::append_resource_symbol(symbol, s);
          (s.translation ? translations : values).add(s, symbol);
        },
        notes, options);
    report_notes(notes, blob, ctx);
    if (!stats) return std::unexpected(stats.error());
    values.text.take_dropped(translations.text);
    if (auto emitted = values.text.emit(blob, ctx, emit, "values"); !emitted) return emitted;
    return translations.text.emit(blob, ctx, emit, "translations", true);
  }
};

// Lines for one document: `element@attr = "value"` for string attributes, and `NAME = "VALUE"`
// for the name/value pairs of <meta-data>, so the declared name becomes the key a rule sees.
class AxmlLines final : public android_res::BinaryXmlVisitor {
 public:
  explicit AxmlLines(BudgetedText& text) : text_(text) {}

  void start_element(const android_res::XmlElement& e) override {
    const android_res::XmlAttribute* name = nullptr;
    const android_res::XmlAttribute* value = nullptr;
    for (const auto& a : e.attributes) {
      if (!a.text) continue;
      if (a.name == "android:name" || a.name == "name") name = &a;
      if (a.name == "android:value" || a.name == "value") value = &a;
    }
    if (name && value && !name->text->empty() && !value->text->empty()) {
      text_.add(*name->text, *value->text);
    } else {
      value = nullptr;
    }
    for (const auto& a : e.attributes) {
      if (!a.text || a.text->empty() || &a == value) continue;
      symbol_.assign(e.name).append("@").append(a.name);
      text_.add(symbol_, *a.text);
    }
  }

  void text(const android_res::XmlElement* e, std::string_view text) override {
    if (!e) {
      text_.add("#text", text);
      return;
    }
    const std::string* name = nullptr;
    for (const auto& a : e->attributes) {
      if ((a.name == "android:name" || a.name == "name") && a.text && !a.text->empty()) {
        name = &*a.text;
      }
    }
    if (name) {
      text_.add(*name, text);
      return;
    }
    symbol_.assign(e->name).append("#text");
    text_.add(symbol_, text);
  }

 private:
  BudgetedText& text_;
  std::string symbol_;  // reused for every composed symbol: a layout has thousands
};

class AxmlExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "axml"; }
  bool sniff(const Blob& blob) const override {
    return android_res::looks_like_binary_xml(blob.bytes());
  }
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override {
    BudgetedText text(ctx, blob.size());
    AxmlLines lines(text);
    ParseNotes notes;
    auto stats = android_res::parse_binary_xml(blob.bytes(), ctx.limits, lines, notes);
    report_notes(notes, blob, ctx);
    if (!stats) return std::unexpected(stats.error());
    return text.emit(blob, ctx, emit, "attributes");
  }
};

}  // namespace

std::unique_ptr<Extractor> make_arsc_extractor() { return std::make_unique<ArscExtractor>(); }
std::unique_ptr<Extractor> make_axml_extractor() { return std::make_unique<AxmlExtractor>(); }

}  // namespace keysweep
