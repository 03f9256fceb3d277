// Pieces the pipeline's drivers (file walk, git history) share: a bounded work queue between one
// producer and the workers, and a diagnostic sink that counts by kind for the summary.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
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
//
// Items pushed with push() come out in the order they went in, or, in kHeaviestFirst order, the
// heaviest of those waiting first (the earliest pushed among equals). With several consumers the
// last item taken decides when all are done: a container whose one large entry keeps a worker
// busy for tens of milliseconds (a framework-sized resources.arsc) left the others idle for most
// of that when the walk listed it near the end. Taking the heaviest waiting item first moves such
// items ahead of the (up to `bound`) small ones listed before them, which then fill the other
// workers' time. Items put back with push_front() always come before either.
enum class QueueOrder { kFifo, kHeaviestFirst };

template <class T>
class WorkQueue {
 public:
  explicit WorkQueue(size_t bound, QueueOrder order = QueueOrder::kFifo)
      : bound_(bound), order_(order) {}
  // A full queue makes the producer wait until it has drained to half, not for one free slot:
  // waking the producer for every item taken cost a futex wake and two context switches per file
  // (16% of a -j1 scan's CPU in the kernel's scheduler, perf), since the walker lists files
  // faster than a worker scans them.
  // `weight`: how much work the item is (a file's size), for QueueOrder::kHeaviestFirst.
  void push(T item, uint64_t weight = 0) {
    std::unique_lock lock(mu_);
    if (size() >= bound_) {
      ++producers_waiting_;
      not_full_.wait(lock, [&] { return size() <= bound_ / 2; });
      --producers_waiting_;
    }
    if (order_ == QueueOrder::kHeaviestFirst) {
      waiting_.push_back(Weighted{weight, pushed_++, std::move(item)});
      std::push_heap(waiting_.begin(), waiting_.end(), lighter);
    } else {
      q_.push_back(std::move(item));
    }
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
  // An item pushed in kHeaviestFirst order, kept in a heap with the heaviest on top.
  struct Weighted {
    uint64_t weight;
    uint64_t seq;  // push order, which decides among equal weights
    T item;
  };
  // The heap's order: `a` comes out after `b`.
  static bool lighter(const Weighted& a, const Weighted& b) {
    return a.weight != b.weight ? a.weight < b.weight : a.seq > b.seq;
  }
  size_t size() const { return q_.size() + waiting_.size(); }

  std::deque<T> q_;                // push_front()'s items first, then (kFifo) push()'s
  std::vector<Weighted> waiting_;  // kHeaviestFirst: push()'s items, a heap
  uint64_t pushed_ = 0;
  size_t bound_;
  QueueOrder order_;
  size_t held_ = 0;
  bool closed_ = false;
  unsigned producers_waiting_ = 0;  // a count, should a second producer ever push

  bool take(T& out, bool hold) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return size() > 0 || (closed_ && held_ == 0); });
    if (size() == 0) return false;
    if (!q_.empty()) {
      out = std::move(q_.front());
      q_.pop_front();
    } else {
      std::pop_heap(waiting_.begin(), waiting_.end(), lighter);
      out = std::move(waiting_.back().item);
      waiting_.pop_back();
    }
    if (hold) ++held_;
    if (producers_waiting_ && size() <= bound_ / 2) not_full_.notify_all();
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
