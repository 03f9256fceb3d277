// Pieces the pipeline's drivers (file walk, git history) share: a bounded work queue between one
// producer and the workers, and a diagnostic sink that counts by kind for the summary.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace keysweep {

// A single-producer, many-consumer queue with a bound, so the producer cannot run far ahead.
template <class T>
class WorkQueue {
 public:
  explicit WorkQueue(size_t bound) : bound_(bound) {}
  void push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < bound_; });
    q_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  bool pop(T& out) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
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
  bool closed_ = false;
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
