// Pieces the pipeline's drivers (file walk, git history) share: a bounded work queue between one
// producer and the workers, and a diagnostic sink that counts by kind for the summary.
#pragma once

#include <condition_variable>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace keysweep {

// A single-producer, many-consumer queue with a bound, so the producer cannot run far ahead.
// Consumers may split an item into more (a large file into windows, scan_pipeline.cc): they take
// items with pop_held(), push the parts with push_front(), and call release() when done with the
// item, so that no consumer leaves while a held item may still add work.
template <class T>
class WorkQueue {
 public:
  explicit WorkQueue(size_t bound) : bound_(bound) {}
  // A full queue makes the producer wait until it has drained to half, not for one free slot:
  // waking the producer for every item taken cost a futex wake and two context switches per file
  // (16% of a -j1 scan's CPU in the kernel's scheduler, perf), since the walker lists files
  // faster than a worker scans them.
  void push(T item) {
    std::unique_lock lock(mu_);
    if (q_.size() >= bound_) {
      ++producers_waiting_;
      not_full_.wait(lock, [&] { return q_.size() <= bound_ / 2; });
      --producers_waiting_;
    }
    q_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  bool pop(T& out) { return take(out, false); }
  // Like pop(), and the item counts as held until release(): meanwhile pop() and pop_held() wait
  // rather than report the queue finished.
  bool pop_held(T& out) { return take(out, true); }
  void release() {
    std::lock_guard lock(mu_);
    if (--held_ == 0) not_empty_.notify_all();
  }
  // Puts `items` first, in their order, past the bound: a consumer that waited for room while
  // every other consumer waits for it would never return.
  void push_front(std::vector<T> items) {
    if (items.empty()) return;
    std::lock_guard lock(mu_);
    q_.insert(q_.begin(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
    not_empty_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> q_;
  size_t bound_;
  size_t held_ = 0;
  bool closed_ = false;
  unsigned producers_waiting_ = 0;  // a count, should a second producer ever push

  bool take(T& out, bool hold) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || (closed_ && held_ == 0); });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    if (hold) ++held_;
    if (producers_waiting_ && q_.size() <= bound_ / 2) not_full_.notify_all();
    return true;
  }
};

// Forwards diagnostics to the caller's sink and counts them by kind for the summary.
class CountingSink final : public DiagnosticSink {
 public:
  explicit CountingSink(DiagnosticSink& next) : next_(next) {}
  void report(Diagnostic d) override {
    {
      std::lock_guard lock(mu_);
      ++by_kind[diagnostic_kind_name(d.kind)];
      all.push_back(d);
    }
    next_.report(std::move(d));
  }
  std::map<std::string, uint64_t> by_kind;
  std::vector<Diagnostic> all;

 private:
  DiagnosticSink& next_;
  std::mutex mu_;
};

}  // namespace keysweep
