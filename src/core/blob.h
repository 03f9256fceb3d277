// A Blob is bytes plus where they came from. Extractors turn one Blob into child Blobs; the matcher
// scans Blobs; every finding carries its Blob's provenance chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/finding.h"

namespace keysweep {

// Marks where a labelled piece of a synthetic text Blob starts. Extractors that turn structured data
// into text (a DEX method's strings, a resource entry, a plist key) write one line per item and
// record its label here; a finding at byte `offset` or after it (up to the next segment) reports
// `label` as its symbol. A view: Segments owns the label.
struct Segment {
  uint64_t offset = 0;
  std::string_view label;
};

// A Blob's segments, sorted by offset. The labels live in one buffer: a rendered DEX or resource
// table has a label per line, hundreds of thousands of them, and a std::string each cost a heap
// allocation per line (and the vector's growth moved them all again).
class Segments {
 public:
  // Copies `s.label`; `s.offset` must not be below the last segment's.
  void push_back(const Segment& s);
  // A segment at `offset` with the label of segment `earlier`, sharing its bytes instead of
  // copying them: a resource table repeats each resource's label once per configuration it is
  // translated in (framework-res.apk: 106,644 lines, 4,918 distinct labels).
  void push_back_label_of(uint64_t offset, size_t earlier);
  void pop_back();
  void reserve(size_t segments, size_t label_bytes);
  void clear();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  Segment operator[](size_t i) const {
    const Entry& e = entries_[i];
    return {e.offset, std::string_view(labels_).substr(e.label_begin, e.label_size)};
  }
  Segment back() const { return (*this)[size() - 1]; }
  // The label of the segment holding `offset`, or "" when there is none.
  std::string_view label_at(uint64_t offset) const;

  class const_iterator {
   public:
    using value_type = Segment;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    const_iterator(const Segments* s, size_t i) : s_(s), i_(i) {}
    Segment operator*() const { return (*s_)[i_]; }
    const_iterator& operator++() { ++i_; return *this; }
    const_iterator operator++(int) { auto t = *this; ++i_; return t; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    const Segments* s_ = nullptr;
    size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }

 private:
  struct Entry {
    uint64_t offset;
    uint64_t label_begin : 40;  // into labels_
    uint64_t label_size : 24;   // longer labels are cut (a label names a symbol; 16 MiB is plenty)
  };
  std::vector<Entry> entries_;
  std::string labels_;
  static constexpr size_t kNoWriter = ~size_t{0};
  size_t last_writer_ = kNoWriter;  // the entry that wrote the last bytes of labels_
};

class Blob {
 public:
  Blob() = default;
  // A view over bytes kept alive by `owner` (a mapping, a buffer, or nullptr for static data).
  Blob(std::string_view bytes, std::shared_ptr<const void> owner, std::vector<std::string> chain)
      : bytes_(bytes), owner_(std::move(owner)), chain_(std::move(chain)) {}

  // A Blob that owns its bytes (decompressed entries, synthetic text).
  static Blob owning(std::string bytes, std::vector<std::string> chain);

  std::string_view bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  const std::vector<std::string>& chain() const { return chain_; }
  std::string display_path() const;  // chain joined with '!'

  // A child keeps the parent's app identity and extends its chain with `name`.
  Blob child(std::string name, std::string bytes) const;
  Blob child_view(std::string name, std::string_view bytes) const;  // bytes must live in this Blob
  // A child viewing `bytes`, which `owner` keeps alive (a buffer an extractor filled).
  Blob child_view_of(std::string name, std::string_view bytes,
                     std::shared_ptr<const void> owner) const;

  Segments& segments() { return segments_; }
  const Segments& segments() const { return segments_; }
  // The label of the segment holding `offset`, or "" when there is none.
  std::string_view label_at(uint64_t offset) const { return segments_.label_at(offset); }

  // Synthetic text (rendered by an extractor) has lines of its own making: a finding reports its
  // segment label instead of a line number.
  bool has_meaningful_lines() const { return meaningful_lines_; }
  void set_meaningful_lines(bool v) { meaningful_lines_ = v; }

  // Text translated for the users of one language (an app's strings under a language qualifier,
  // values-fr/): prose shown in a UI, never a credential, however its words read. Context rules,
  // which score a name and a value's shape, leave it alone; rules for a credential's own format
  // (an AWS or Google key) still match it.
  bool translated() const { return translated_; }
  void set_translated(bool v) { translated_ = v; }

  // Where this Blob starts in a longer text it is a piece of (0: it is not a piece, or the
  // first). An extractor that renders a large table (framework-res.apk's: 16 MB of lines) hands it
  // on in pieces that end on a line's end, so only one piece is in memory at a time; a finding
  // reports its offset in the whole text, as if it had been one Blob.
  uint64_t offset_base() const { return offset_base_; }
  void set_offset_base(uint64_t v) { offset_base_ = v; }

  // This Blob begins inside a longer text that is scanned in windows (a large file's window after
  // the first): its first line is not the text's, so a table's header row is not in it.
  bool starts_mid_text() const { return starts_mid_text_; }
  void set_starts_mid_text(bool v) { starts_mid_text_ = v; }

  const std::shared_ptr<const AppIdentity>& app() const { return app_; }
  void set_app(std::shared_ptr<const AppIdentity> app) { app_ = std::move(app); }

  int depth() const { return static_cast<int>(chain_.size()) - 1; }

 private:
  std::string_view bytes_;
  std::shared_ptr<const void> owner_;
  std::vector<std::string> chain_;
  Segments segments_;
  std::shared_ptr<const AppIdentity> app_;
  bool meaningful_lines_ = true;
  bool translated_ = false;
  bool starts_mid_text_ = false;
  uint64_t offset_base_ = 0;
};

}  // namespace keysweep
