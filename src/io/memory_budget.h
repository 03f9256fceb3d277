// One byte budget for the large buffers that workers inflate (archive entries), shared by every
// worker of a scan, so `-j 16` over apps with 500 MiB entries holds at most the budget in
// inflated bytes rather than 16 x 500 MiB.
//
// A worker takes a Lease for an entry's size before inflating it and gives it back (the Lease's
// destructor) when the entry and everything read from it have been scanned. Two rules keep this
// free of deadlocks and of starvation:
//  - A thread that holds no lease waits until the bytes are free. A request larger than the whole
//    budget waits until nothing at all is leased and then runs alone: it is still read (the
//    per-entry limit in Limits decides what is too large), never refused here.
//  - A thread that already holds a lease never waits: its nested request (a DEX inside an APK
//    inside an XAPK) is granted at once, even past the budget. Waiting there could deadlock (every
//    worker holding an outer entry, each waiting for the others' inner ones), and what one input
//    can expand is already bounded by Limits::max_total_expanded.
// Hand-written: a counting semaphore over bytes with these two rules is a few lines over
// std::mutex/std::condition_variable; std::counting_semaphore counts units, not variable amounts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace keysweep {

class MemoryBudget {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) { o.budget_ = nullptr; }
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }
    void release();
    uint64_t bytes() const { return budget_ ? bytes_ : 0; }

   private:
    friend class MemoryBudget;
    Lease(MemoryBudget* b, uint64_t n) : budget_(b), bytes_(n) {}
    MemoryBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  explicit MemoryBudget(uint64_t bytes) : total_(bytes) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Waits (see above) and leases `bytes`. Leases must be released on the thread that took them.
  Lease acquire(uint64_t bytes);

  uint64_t total() const { return total_; }
  uint64_t in_use() const;
  // The most ever leased at once, for tests and the summary of a measurement.
  uint64_t peak() const;
  // Threads waiting in acquire() now; lets a test know a worker is blocked without sleeping.
  unsigned waiting() const;

  // A default sized to the machine: a quarter of physical memory, at least 1 GiB (so one
  // default-limit entry of 512 MiB and its rendered text fit), or 1 GiB when it cannot be read.
  static uint64_t default_bytes();

 private:
  void give_back(uint64_t bytes);

  const uint64_t total_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  unsigned waiting_ = 0;
};

}  // namespace keysweep
