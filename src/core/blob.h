// A Blob is bytes plus where they came from. Extractors turn one Blob into child Blobs; the matcher
// scans Blobs; every finding carries its Blob's provenance chain.
#pragma once

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
// `label` as its symbol. Sorted by offset.
struct Segment {
  uint64_t offset = 0;
  std::string label;
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

  std::vector<Segment>& segments() { return segments_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // The label of the segment holding `offset`, or "" when there is none.
  std::string_view label_at(uint64_t offset) const;

  // Synthetic text (rendered by an extractor) has lines of its own making: a finding reports its
  // segment label instead of a line number.
  bool has_meaningful_lines() const { return meaningful_lines_; }
  void set_meaningful_lines(bool v) { meaningful_lines_ = v; }

  const std::shared_ptr<const AppIdentity>& app() const { return app_; }
  void set_app(std::shared_ptr<const AppIdentity> app) { app_ = std::move(app); }

  int depth() const { return static_cast<int>(chain_.size()) - 1; }

 private:
  std::string_view bytes_;
  std::shared_ptr<const void> owner_;
  std::vector<std::string> chain_;
  std::vector<Segment> segments_;
  std::shared_ptr<const AppIdentity> app_;
  bool meaningful_lines_ = true;
};

}  // namespace keysweep
