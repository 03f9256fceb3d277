// Bytes appended to a buffer that grows without zero-filling: every byte it hands out is written
// by the caller before it is read.
//
// Why not std::string: its resize() zero-fills the room it adds before the caller overwrites it.
// An extractor's rendered text (one `KEY = "VALUE"` line per string of a DEX file or resource
// table) is megabytes of memory written once, and framework-res.apk's 10 MB table text spent 5.7%
// of its scan in that memset (a cold pass over the whole text before the real one). And
// resize_and_overwrite, made for this, is unusable per line with GCC 12 (see labelled_text.cc).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace keysweep {

class ByteBuffer {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }

  void reserve(size_t capacity) {
    if (capacity > capacity_) reallocate(capacity);
  }
  // Adds `n` bytes to the end, unwritten, and returns where they start (valid until the next
  // call that grows the buffer).
  char* grow(size_t n) {
    if (n > capacity_ - size_) reallocate(std::max(size_ + n, 2 * capacity_));
    char* at = data_.get() + size_;
    size_ += n;
    return at;
  }
  void append(const char* p, size_t n) {
    if (n) std::memcpy(grow(n), p, n);
  }
  void append(std::string_view s) { append(s.data(), s.size()); }

  // Hands the bytes over (to a Blob, as the owner of its view) and leaves the buffer empty.
  std::shared_ptr<const char[]> release() {
    std::shared_ptr<const char[]> out(std::move(data_));
    size_ = capacity_ = 0;
    return out;
  }
  void clear() {
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  void reallocate(size_t capacity) {
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace keysweep
