// Numbers git object ids densely in the order they are first added (0, 1, 2 ...), for the
// history walk's seen-sets and the blob list that refers to blobs by number.
//
// Why not ObjectIdTable<NoValue>: its 22-byte slots at a load of 3/8 to 3/4 cost 29-59 bytes an
// id (twice that while growing), and a second copy of the id wherever a list needs it. Here the
// ids sit once in fixed-size chunks (never moved, so growing copies nothing but the slots) and the
// open-addressing slots hold 4-byte numbers: 20 + 5.3..10.7 bytes an id, and the number is the
// handle a list keeps instead of the id (issue 16: at most ~100 bytes per unique object).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "input/chunked_vector.h"

namespace keysweep {

class ObjectIdIndex {
 public:
  using Id = std::array<unsigned char, 20>;
  static constexpr uint32_t kNone = 0xffffffffu;

  // The id's number, and whether it was added by this call.
  std::pair<uint32_t, bool> add(const Id& id) {
    if ((ids_.size() + 1) * 4 > slots_.size() * 3) grow();
    size_t i = find_slot(id);
    if (slots_[i] != kNone) return {slots_[i], false};
    const uint32_t n = static_cast<uint32_t>(ids_.size());
    ids_.push_back(id);
    slots_[i] = n;
    return {n, true};
  }
  // True if `id` was not there (and now is).
  bool insert(const Id& id) { return add(id).second; }
  std::optional<uint32_t> find(const Id& id) const {
    if (slots_.empty()) return std::nullopt;
    uint32_t n = slots_[find_slot(id)];
    if (n == kNone) return std::nullopt;
    return n;
  }
  bool contains(const Id& id) const { return find(id).has_value(); }
  const Id& id(uint32_t n) const { return ids_[n]; }
  size_t size() const { return ids_.size(); }
  // Bytes held, for the walk's memory figures.
  size_t bytes() const {
    return ids_.bytes() + slots_.size() * sizeof(uint32_t);
  }

 private:
  size_t find_slot(const Id& key) const {
    uint64_t h;  // object ids are already uniformly distributed
    std::memcpy(&h, key.data(), sizeof h);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
      if (slots_[i] == kNone || id(slots_[i]) == key) return i;
  }
  void grow() {
    // Past 2^32 - 1 ids the numbers would wrap; a repository that size is not walked here.
    slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, kNone);
    const size_t mask = slots_.size() - 1;
    for (uint32_t n = 0; n < ids_.size(); ++n) {
      uint64_t h;
      std::memcpy(&h, id(n).data(), sizeof h);
      size_t i = h & mask;
      while (slots_[i] != kNone) i = (i + 1) & mask;
      slots_[i] = n;
    }
  }
  ChunkedVector<Id> ids_;  // numbered by position; growing copies only the slots
  std::vector<uint32_t> slots_;
};

// Ids another reader has numbered already, 0 .. count() - 1, one number an id (so two numbers are
// the same object exactly when they are equal: the tree differ compares entries so), and keeps for
// as long as the walk and its lists need them: the packs' sorted indexes, whose ids stay in the
// mapped .idx files.
class KnownObjectIds {
 public:
  static constexpr uint32_t kNone = ObjectIdIndex::kNone;
  virtual ~KnownObjectIds() = default;
  virtual uint32_t count() const = 0;
  virtual uint32_t find(const unsigned char* id) const = 0;  // kNone when not known
  virtual const unsigned char* id(uint32_t n) const = 0;
};

// Which objects the walk has seen, each numbered: a known id by its number in KnownObjectIds (one
// bit here, the id itself not copied: issue 16 counted the blob list's 20-byte copies and their
// hash slots at ~28 bytes an object), any other id by an ObjectIdIndex of its own, numbered from
// count() on. Without KnownObjectIds it is an ObjectIdIndex.
class ObjectSeenSet {
 public:
  using Id = ObjectIdIndex::Id;
  static constexpr uint32_t kNone = ObjectIdIndex::kNone;

  // Before the first add; `known` outlives the set.
  void use_known(const KnownObjectIds* known) {
    known_ = known;
    base_ = known ? known->count() : 0;
    bits_.assign((size_t{base_} + 63) / 64, 0);
  }
  // The id's number, and whether it was unseen before this call. `number` is the id's number in
  // KnownObjectIds when the caller has it already, else kNone (looked up here).
  std::pair<uint32_t, bool> add(const unsigned char* id, uint32_t number = kNone) {
    if (known_ && number == kNone) number = known_->find(id);
    if (known_ && number != kNone && number < base_) {
      uint64_t& word = bits_[number / 64];
      const uint64_t bit = uint64_t{1} << (number % 64);
      const bool fresh = !(word & bit);
      word |= bit;
      return {number, fresh};
    }
    Id copy;
    std::memcpy(copy.data(), id, copy.size());
    auto [n, fresh] = extra_.add(copy);
    return {base_ + n, fresh};
  }
  std::pair<uint32_t, bool> add(const Id& id) { return add(id.data()); }
  bool insert(const Id& id) { return add(id.data()).second; }
  Id id(uint32_t n) const {
    if (n >= base_) return extra_.id(n - base_);
    Id out;
    std::memcpy(out.data(), known_->id(n), out.size());
    return out;
  }
  size_t bytes() const { return bits_.capacity() * 8 + extra_.bytes(); }

 private:
  const KnownObjectIds* known_ = nullptr;
  uint32_t base_ = 0;
  std::vector<uint64_t> bits_;
  ObjectIdIndex extra_;
};

}  // namespace keysweep
