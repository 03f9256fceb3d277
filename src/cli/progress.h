// `scan --progress`: how far a long scan is. On a terminal, one line redrawn in place on stderr
// (inputs done/total, MB/s, findings, ETA); elsewhere (a batch job's log), a plain line every
// --progress-interval seconds and one at the end. Counts come from the pipeline's observer calls.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace keysweep::cli {

enum class ProgressStyle { kNone, kBar, kPlain };

// "auto" (bar on a terminal, plain lines otherwise), "always"/"bar", "plain", "never".
// Returns false for an unknown mode.
bool parse_progress_style(const std::string& mode, bool stderr_is_tty, ProgressStyle& out);

struct ProgressCounts {
  uint64_t inputs_total = 0, bytes_total = 0;  // what this run (this shard) has to do
  uint64_t inputs_done = 0, bytes_done = 0, findings = 0, skipped = 0;
  uint64_t bytes_skipped = 0;  // part of bytes_done, but not of the throughput
  double seconds = 0;
  // The input in progress the longest, and for how long: a read blocked on a slow network mount
  // (or a very large input) is named rather than left as a line that no longer moves.
  std::string oldest_input;
  double oldest_seconds = 0;
};

// An input in progress this long is named on the progress line.
inline constexpr double kNameInputAfterSeconds = 10.0;

// "12/40 inputs (2 already stored), 35.2 MB/s, 7 findings, ETA 0:42"
std::string format_progress(const ProgressCounts& c, bool final_line);

class Progress {
 public:
  Progress(ProgressStyle style, double interval_seconds, std::FILE* out = stderr);
  ~Progress();  // stops the drawing thread; call finish() first for the final line

  void set_total(uint64_t inputs, uint64_t bytes);
  // A worker began or ended reading `path` (input_done/input_skipped count it as done).
  void input_started(const std::string& path);
  void input_ended(const std::string& path);
  void input_done(uint64_t bytes, uint64_t findings) {
    inputs_done_.fetch_add(1, std::memory_order_relaxed);
    bytes_done_.fetch_add(bytes, std::memory_order_relaxed);
    findings_.fetch_add(findings, std::memory_order_relaxed);
  }
  void input_skipped(uint64_t bytes) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    bytes_skipped_.fetch_add(bytes, std::memory_order_relaxed);
    input_done(bytes, 0);
  }
  void finish();

 private:
  ProgressCounts snapshot() const;
  void draw(bool final_line);
  void run();

  ProgressStyle style_;
  std::chrono::duration<double> interval_;
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<uint64_t> inputs_total_{0}, bytes_total_{0}, inputs_done_{0}, bytes_done_{0},
      findings_{0}, skipped_{0}, bytes_skipped_{0};
  // Inputs in progress and when each began (a multimap: one path may be given twice).
  mutable std::mutex started_mu_;
  std::multimap<std::string, std::chrono::steady_clock::time_point> started_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, finished_ = false;
  std::thread thread_;
};

}  // namespace keysweep::cli
