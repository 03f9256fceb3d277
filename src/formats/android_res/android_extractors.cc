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
//
// The text is handed on in pieces of about kPieceBytes, each ending on a line's end (a Blob with
// the same name, placed by Blob::offset_base), rather than whole at the end. framework-res.apk's
// table renders 16 MB of lines: held whole, every page of it was fresh memory, first touched at a
// cost (12 us a page on the benchmark VM) and then read back cold by the matcher; in pieces, one
// piece's memory is reused (the allocator hands the freed block back) while it is still in cache.
// A line never spans two pieces, and no rule reads past a line of rendered text, so the findings
// are those of the whole text.
class BudgetedText {
 public:
  static constexpr size_t kPieceBytes = size_t{1} << 20;

  // `name`: the child's name; `translated`: see Blob::translated().
  // `expected_size`: a guess of the rendered size, reserved up front (up to a piece) so the text
  // is not copied on every doubling.
  // `sibling`: another text of the same table whose size counts against this one's budget too.
  BudgetedText(const Blob& parent, ExtractContext& ctx, const EmitBlob& emit, const char* name,
               size_t expected_size, bool translated = false, const BudgetedText* sibling = nullptr)
      : parent_(parent),
        ctx_(ctx),
        emit_(emit),
        name_(name),
        translated_(translated),
        sibling_(sibling),
        reserve_(std::min(expected_size, kPieceBytes + kPieceBytes / 8)) {
    budget_ = ctx.limits.max_entry_size;
    if (ctx.expanded_bytes) {
      uint64_t left = ctx.limits.max_total_expanded > *ctx.expanded_bytes
                          ? ctx.limits.max_total_expanded - *ctx.expanded_bytes
                          : 0;
      budget_ = std::min(budget_, left);
    }
    reserve_ = std::min<uint64_t>(reserve_, budget_);
  }
  // Hands on the piece so far when it is full; true when it did, and every SymbolRef from
  // add() is then void. Called between lines, by whoever adds them.
  bool hand_on_if_full() {
    if (text_.size() < kPieceBytes) return false;
    hand_on_piece();
    return true;
  }
  // The line's SymbolRef, or none when the budget left it out.
  std::optional<LabelledTextBuilder::SymbolRef> add(std::string_view symbol,
                                                    std::string_view value) {
    if (!fits(symbol.size(), value)) return std::nullopt;
    if (text_.empty()) text_.reserve(reserve_);
    return text_.add(symbol, value);
  }
  std::string_view label(const LabelledTextBuilder::SymbolRef& ref) const {
    return text_.label(ref);
  }
  void add_again(const LabelledTextBuilder::SymbolRef& ref, std::string_view value) {
    if (fits(ref.key_size, value)) text_.add_again(ref, value);
  }
  // Bytes rendered so far, handed on or not.
  uint64_t size() const { return handed_on_ + text_.size(); }
  // Takes over the count of values `other` left out, so one note says how many in all.
  void take_dropped(BudgetedText& other) { dropped_ += std::exchange(other.dropped_, 0); }
  // Hands on the last piece, after the note of what the budget left out.
  void finish() {
    if (dropped_) {
      ctx_.diagnostics.warn(DiagnosticKind::kLimit, parent_.display_path(),
                            std::to_string(dropped_) +
                                " values not rendered: the text would pass the expansion limit");
    }
    if (!text_.empty()) hand_on_piece();
  }

 private:
  bool fits(size_t key_size, std::string_view value) {
    const uint64_t used = size() + (sibling_ ? sibling_->size() : 0);
    if (used + key_size + value.size() + 8 <= budget_) return true;
    ++dropped_;
    return false;
  }
  void hand_on_piece() {
    if (ctx_.expanded_bytes) *ctx_.expanded_bytes += text_.size();
    const uint64_t base = handed_on_;
    handed_on_ += text_.size();
    Blob piece = text_.finish(parent_, name_);
    piece.set_translated(translated_);
    piece.set_offset_base(base);
    emit_(std::move(piece));
  }

  const Blob& parent_;
  ExtractContext& ctx_;
  const EmitBlob& emit_;
  const char* name_;
  bool translated_;
  const BudgetedText* sibling_ = nullptr;
  size_t reserve_;
  LabelledTextBuilder text_;
  uint64_t budget_ = 0;
  uint64_t dropped_ = 0;
  uint64_t handed_on_ = 0;
};

// One text of a resource table. A resource has a line for each configuration that translates
// it (values-fr, values-de, ...), in chunks far apart: its label is stored and its key rendered
// for the first, and shared by the others (framework-res.apk: 106,644 lines, 4,918 symbols).
// Looked up by the resource id, and the item's name for an item of a complex entry; the symbol is
// compared too, since nothing makes a crafted table give one id the same name in every chunk, and
// a line whose symbol differs is written in full (and remembered in place of the other).
class ResourceText {
 public:
  ResourceText(const Blob& parent, ExtractContext& ctx, const EmitBlob& emit, const char* name,
               bool translated, const ResourceText* sibling = nullptr)
      : text(parent, ctx, emit, name, parent.size(), translated,
             sibling ? &sibling->text : nullptr) {}

  // `symbol`: append_resource_symbol's for `s`.
  void add(const android_res::ResourceString& s, std::string_view symbol) {
    // Labels and keys are shared within a piece only.
    if (text.hand_on_if_full()) seen_.clear();
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
    ResourceText values(blob, ctx, emit, "values", false);
    ResourceText translations(blob, ctx, emit, "translations", true, &values);
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
    // No piece was handed on before an error: the table fails only on its header or its global
    // string pool, which every value comes from.
    if (!stats) return std::unexpected(stats.error());
    values.text.take_dropped(translations.text);
    values.text.finish();
    translations.text.finish();
    return {};
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
    // One piece (AxmlLines never hands one on early): a document's text is small, and a document
    // that fails to parse must leave nothing handed on, since its raw bytes are scanned instead.
    BudgetedText text(blob, ctx, emit, "attributes", blob.size());
    AxmlLines lines(text);
    ParseNotes notes;
    auto stats = android_res::parse_binary_xml(blob.bytes(), ctx.limits, lines, notes);
    report_notes(notes, blob, ctx);
    if (!stats) return std::unexpected(stats.error());
    text.finish();
    return {};
  }
};

}  // namespace

std::unique_ptr<Extractor> make_arsc_extractor() { return std::make_unique<ArscExtractor>(); }
std::unique_ptr<Extractor> make_axml_extractor() { return std::make_unique<AxmlExtractor>(); }

}  // namespace keysweep
