// An append-only array in fixed-size chunks, for the per-object records of a history scan (the
// blob list, the walk's tree rows). A std::vector of them doubles as it grows, holding the old
// block and the new one at once, and a shrink_to_fit copies it once more: on the million-blob
// history each such moment set the high-water mark of anonymous memory (issue 16). Here growing
// allocates one more chunk and copies nothing, and an element never moves.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace keysweep {

template <class T, size_t kChunk = size_t{1} << 16>
class ChunkedVector {
 public:
  void push_back(const T& v) {
    if (size_ % kChunk == 0) chunks_.push_back(std::make_unique_for_overwrite<T[]>(kChunk));
    chunks_.back()[size_ % kChunk] = v;
    ++size_;
  }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bytes() const {
    return chunks_.size() * kChunk * sizeof(T) + chunks_.capacity() * sizeof(void*);
  }
  void clear() {
    std::vector<std::unique_ptr<T[]>>().swap(chunks_);
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace keysweep
