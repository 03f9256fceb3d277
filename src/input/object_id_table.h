// A hash table keyed by git object id, open addressing with linear probing: the history walk
// asks it once per tree and blob it meets (hundreds of thousands of times), and std::unordered_*
// spent most of that in node allocation, the prime modulo and pointer chasing.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace keysweep {

template <class Value>
class ObjectIdTable {
 public:
  using Id = std::array<unsigned char, 20>;

  // The slot for `id`: inserted with a default value when absent. `fresh` says which.
  Value& insert(const Id& id, bool* fresh = nullptr) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    size_t i = find_slot(id);
    Slot& s = slots_[i];
    if (fresh) *fresh = !s.used;
    if (!s.used) {
      s.used = true;
      s.id = id;
      ++size_;
    }
    return s.value;
  }
  // True if `id` was not there (and now is).
  bool add(const Id& id) {
    bool fresh;
    insert(id, &fresh);
    return fresh;
  }
  const Value* find(const Id& id) const {
    if (slots_.empty()) return nullptr;
    const Slot& s = slots_[find_slot(id)];
    return s.used ? &s.value : nullptr;
  }
  bool contains(const Id& id) const { return find(id) != nullptr; }
  size_t size() const { return size_; }
  void reserve(size_t n) {
    while (n * 4 > slots_.size() * 3) grow();
  }
  void clear() {
    slots_.clear();
    size_ = 0;
  }

 private:
  struct Slot {
    Id id{};
    bool used = false;
    Value value{};
  };
  size_t find_slot(const Id& id) const {
    uint64_t h;  // object ids are already uniformly distributed
    std::memcpy(&h, id.data(), sizeof h);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
      if (!slots_[i].used || slots_[i].id == id) return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    for (Slot& s : old)
      if (s.used) slots_[find_slot(s.id)] = std::move(s);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

struct NoValue {};
using ObjectIdSet = ObjectIdTable<NoValue>;

}  // namespace keysweep
