#include "io/memory_budget.h"

#include <unistd.h>

#include <algorithm>

namespace keysweep {

namespace {
// Leases the calling thread holds, over every budget (a scan has one). Nested requests are the
// ones made while this is above zero.
thread_local unsigned leases_held = 0;
}  // namespace

MemoryBudget::Lease& MemoryBudget::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release();
    budget_ = o.budget_;
    bytes_ = o.bytes_;
    o.budget_ = nullptr;
  }
  return *this;
}

void MemoryBudget::Lease::release() {
  if (!budget_) return;
  budget_->give_back(bytes_);
  budget_ = nullptr;
}

MemoryBudget::Lease MemoryBudget::acquire(uint64_t bytes) {
  std::unique_lock lock(mu_);
  if (leases_held == 0) {
    ++waiting_;
    // Fits beside what is leased, or nothing is leased (a request above the whole budget).
    freed_.wait(lock, [&] { return in_use_ == 0 || in_use_ + bytes <= total_; });
    --waiting_;
  }
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
  ++leases_held;
  return Lease(this, bytes);
}

void MemoryBudget::give_back(uint64_t bytes) {
  {
    std::lock_guard lock(mu_);
    in_use_ -= bytes;
    --leases_held;
  }
  freed_.notify_all();
}

uint64_t MemoryBudget::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

uint64_t MemoryBudget::peak() const {
  std::lock_guard lock(mu_);
  return peak_;
}

unsigned MemoryBudget::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

uint64_t MemoryBudget::default_bytes() {
  constexpr uint64_t kFloor = 1ull << 30;
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return kFloor;
  return std::max(kFloor, static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 4);
}

}  // namespace keysweep
