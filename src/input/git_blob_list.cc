#include "input/git_blob_list.h"

#include <functional>

namespace keysweep {

namespace {
constexpr uint32_t kEmpty = 0xffffffffu;
}

size_t StringInterner::find_slot(std::string_view s, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask)
    if (slots_[i] == kEmpty || get(slots_[i]) == s) return i;
}

void StringInterner::grow() {
  slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, kEmpty);
  const size_t mask = slots_.size() - 1;
  for (uint32_t n = 0; n < size(); ++n) {
    size_t i = std::hash<std::string_view>{}(get(n)) & mask;
    while (slots_[i] != kEmpty) i = (i + 1) & mask;
    slots_[i] = n;
  }
}

uint32_t StringInterner::intern(std::string_view s) {
  if ((size() + 1) * 4 > slots_.size() * 3) grow();
  const uint64_t hash = std::hash<std::string_view>{}(s);
  size_t i = find_slot(s, hash);
  if (slots_[i] != kEmpty) return slots_[i];
  const uint32_t n = static_cast<uint32_t>(size());
  data_.append(s);
  starts_.push_back(data_.size());
  slots_[i] = n;
  return n;
}

uint32_t GitBlobList::add_commit(const GitObjectId& id, std::string_view author, int64_t time) {
  commits_.push_back({id, authors_.intern(author), time});
  return static_cast<uint32_t>(commits_.size() - 1);
}

GitOrigin GitBlobList::origin(size_t i) const {
  const Listed& b = blobs_[i];
  GitOrigin o;
  o.path = path(i);
  if (b.commit == kStaged) {
    o.staged = true;
    return o;
  }
  const Commit& c = commits_[b.commit];
  o.commit = object_id_hex(c.id);
  o.author = std::string(authors_.get(c.author));
  o.time = c.time;
  return o;
}

size_t GitBlobList::bytes() const {
  return seen_.bytes() + blobs_.bytes() + commits_.capacity() * sizeof(Commit) + paths_.bytes() +
         authors_.bytes();
}

}  // namespace keysweep
