// A git pack index (.idx, version 2): the pack's object ids, sorted, each with its offset in the
// .pack. Parsed in place over the mapped file; every table is bounds-checked when opened, so
// lookups afterwards cannot read outside it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::gitpack {

using ObjectId = std::array<unsigned char, 20>;

class PackIndex {
 public:
  PackIndex() = default;  // empty
  // `bytes` must outlive the index.
  static Result<PackIndex> parse(std::string_view bytes);

  uint32_t size() const { return count_; }
  // The i-th object id in sorted order (i < size()).
  const unsigned char* id(uint32_t i) const {
    return reinterpret_cast<const unsigned char*>(ids_.data()) + size_t{i} * 20;
  }
  uint64_t offset(uint32_t i) const { return offsets_[i]; }
  // Position of `id` in sorted order, if the pack holds it.
  std::optional<uint32_t> find(const unsigned char* id) const;

 private:
  uint32_t count_ = 0;
  std::array<uint32_t, 256> fanout_{};
  std::string_view ids_;
  // Decoded up front (small: 8 bytes an object) so the 31-bit / 64-bit split is checked once.
  std::vector<uint64_t> offsets_;
};

}  // namespace keysweep::gitpack
