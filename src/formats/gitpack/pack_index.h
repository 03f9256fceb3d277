// A git pack index (.idx, version 2): the pack's object ids, sorted, each with its offset in the
// .pack. Parsed in place over the mapped file; every table is bounds-checked when opened, so
// lookups afterwards cannot read outside it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

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
  uint64_t offset(uint32_t i) const {
    const uint32_t v = be32(small_offsets_.data() + size_t{i} * 4);
    if (!(v & 0x80000000u)) return v;
    const auto* at = large_offsets_.data() + size_t{v & 0x7fffffffu} * 8;
    return uint64_t{be32(at)} << 32 | be32(at + 4);
  }
  // Position of `id` in sorted order, if the pack holds it.
  std::optional<uint32_t> find(const unsigned char* id) const;
  // The table offset() reads (4 bytes an object), within the bytes parse() was given.
  std::string_view offset_table() const { return small_offsets_; }

 private:
  uint32_t count_ = 0;
  std::array<uint32_t, 256> fanout_{};
  static uint32_t be32(const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  }
  std::string_view ids_;
  // Read in place from the mapped file (a decoded copy was 8 bytes an object of anonymous
  // memory, issue 16); parse() checks that every 64-bit offset an entry names is in the table.
  std::string_view small_offsets_;  // 4 bytes an object; the top bit set: a large_offsets_ index
  std::string_view large_offsets_;  // 8 bytes each, for packs above 2 GiB
};

}  // namespace keysweep::gitpack
