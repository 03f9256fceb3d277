// A reused buffer that files are read into (pread): grown only, and grown without copying what it
// held or zero-filling what it adds, since every read writes the bytes it is used for.
//
// Why not std::string, which the workers used: its resize() copies the old bytes into each new
// allocation and zero-fills the rest, and the large plain files of a tree (read a 64 MiB window at
// a time) grow the buffer several times in a run. On the benchmark corpus at -j1 that copy, the
// zero-fill and the page faults they take on fresh memory were 6% of keysweep's CPU
// (bench/results/2026-12-07-text-4-*.txt). Growing to at least twice the capacity keeps the
// number of fresh allocations to a few however the file sizes come.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>

namespace keysweep {

class ReadBuffer {
 public:
  // Room for `size` bytes; what was in it before is not kept.
  char* room_for(size_t size) {
    if (size > capacity_) {
      const size_t grown = std::max(size, 2 * capacity_);
      data_.reset();  // the old block first: the two are never held at once
      data_ = std::make_unique_for_overwrite<char[]>(grown);
      capacity_ = grown;
    }
    return data_.get();
  }
  size_t capacity() const { return capacity_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

}  // namespace keysweep
