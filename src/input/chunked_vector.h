// An append-only array in fixed-size chunks, for the per-object records of a history scan (the
// blob list, the walk's tree rows). A std::vector of them doubles as it grows, holding the old
// block and the new one at once, and a shrink_to_fit copies it once more: on the million-blob
// history each such moment set the high-water mark of anonymous memory (issue 16). Here growing
// allocates one more chunk and copies nothing, and an element never moves.
//
// Past a limit (spill_past), the oldest full chunks go to a temporary file and are mapped back
// read-only in place: file pages the kernel can write out and drop under memory pressure, instead
// of anonymous memory that only grows. A chunk is given up from memory only once it is written
// and mapped, so a full disk or a failed mapping keeps it in memory (and stops spilling); nothing
// is lost. Elements are read as before; a spilled one must not be written (nothing here writes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keysweep {

// The temporary file and the mappings behind ChunkedVector's spill (chunked_vector.cc).
class SpillFile {
 public:
  SpillFile() = default;
  ~SpillFile();
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  // Writes `bytes` at `offset` (a multiple of the page size) and maps them back read-only;
  // null when the file cannot be made, written or mapped.
  const void* write_and_map(const void* data, size_t bytes, uint64_t offset);
  uint64_t mapped_bytes() const { return mapped_; }

 private:
  int fd_ = -1;
  bool failed_ = false;
  std::vector<std::pair<void*, size_t>> maps_;
  uint64_t mapped_ = 0;
};

template <class T, size_t kChunk = size_t{1} << 16>
class ChunkedVector {
 public:
  void push_back(const T& v) {
    if (size_ % kChunk == 0) {
      owned_.push_back(std::make_unique_for_overwrite<T[]>(kChunk));
      chunks_.push_back(owned_.back().get());
      ++in_memory_;
      spill();
    }
    owned_.back()[size_ % kChunk] = v;
    ++size_;
  }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Anonymous bytes held (spilled chunks not counted).
  size_t bytes() const { return in_memory_ * kChunk * sizeof(T) + chunks_.capacity() * 2 * sizeof(void*); }
  // Keeps at most `bytes` of chunks in memory (at least the one being filled); 0: no limit.
  void spill_past(uint64_t bytes) {
    max_in_memory_ = bytes ? std::max<uint64_t>(1, bytes / (kChunk * sizeof(T))) : 0;
    spill();
  }
  size_t spilled_chunks() const { return spilled_; }
  void clear() {
    std::vector<std::unique_ptr<T[]>>().swap(owned_);
    std::vector<const T*>().swap(chunks_);
    spill_file_.reset();
    size_ = in_memory_ = spilled_ = 0;
  }

 private:
  // Written chunks are whole (never the last, being filled), and a chunk's bytes are a multiple
  // of the page size for the chunk sizes used here.
  void spill() {
    while (max_in_memory_ && in_memory_ > max_in_memory_ && spilled_ + 1 < chunks_.size()) {
      if (!spill_file_) spill_file_ = std::make_unique<SpillFile>();
      constexpr size_t kBytes = kChunk * sizeof(T);
      const void* at = spill_file_->write_and_map(owned_[spilled_].get(), kBytes, spilled_ * kBytes);
      if (!at) {
        max_in_memory_ = 0;  // keep everything in memory from here on
        return;
      }
      chunks_[spilled_] = static_cast<const T*>(at);
      owned_[spilled_].reset();
      ++spilled_;
      --in_memory_;
    }
  }
  std::vector<std::unique_ptr<T[]>> owned_;  // null once spilled
  std::vector<const T*> chunks_;             // in memory or mapped from the spill file
  std::unique_ptr<SpillFile> spill_file_;
  size_t size_ = 0, in_memory_ = 0, spilled_ = 0;
  uint64_t max_in_memory_ = 0;
};

}  // namespace keysweep
