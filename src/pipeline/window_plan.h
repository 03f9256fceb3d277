// How a large plain file is cut for scanning: consecutive windows of `window` bytes, each read with
// `overlap` more bytes on each side, so that a match starting near a window's edge is seen whole
// (and with the text before it that a `\b` or a context reader looks at). Two windows read the
// bytes of an overlap; a finding belongs to the window whose own part (keep_begin, keep_end) holds
// its offset, so each is reported once. The own parts tile the file.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace keysweep {

struct TextWindow {
  uint64_t begin = 0, end = 0;            // the bytes read and scanned
  uint64_t keep_begin = 0, keep_end = 0;  // the findings kept: those whose offset lies here
  bool keeps(uint64_t offset) const { return offset >= keep_begin && offset < keep_end; }
};

class WindowPlan {
 public:
  // `window` > 0.
  WindowPlan(uint64_t size, uint64_t window, uint64_t overlap)
      : size_(size), window_(window), overlap_(overlap) {}

  size_t count() const { return size_ == 0 ? 1 : static_cast<size_t>((size_ + window_ - 1) / window_); }
  TextWindow operator[](size_t i) const {
    TextWindow w;
    w.keep_begin = std::min<uint64_t>(size_, i * window_);
    w.keep_end = i + 1 == count() ? size_ : std::min<uint64_t>(size_, w.keep_begin + window_);
    w.begin = w.keep_begin > overlap_ ? w.keep_begin - overlap_ : 0;
    w.end = std::min<uint64_t>(size_, w.keep_end + std::min<uint64_t>(overlap_, size_));
    return w;
  }
  uint64_t size() const { return size_; }
  // The most bytes one window reads.
  uint64_t longest() const { return std::min<uint64_t>(size_, window_ + 2 * overlap_); }

 private:
  uint64_t size_, window_, overlap_;
};

}  // namespace keysweep
