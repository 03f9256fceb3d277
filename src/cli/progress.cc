#include "cli/progress.h"

#include <algorithm>
#include <cinttypes>

namespace keysweep::cli {

bool parse_progress_style(const std::string& mode, bool stderr_is_tty, ProgressStyle& out) {
  if (mode == "auto") out = stderr_is_tty ? ProgressStyle::kBar : ProgressStyle::kPlain;
  else if (mode == "always" || mode == "bar") out = ProgressStyle::kBar;
  else if (mode == "plain") out = ProgressStyle::kPlain;
  else if (mode == "never") out = ProgressStyle::kNone;
  else return false;
  return true;
}

namespace {

std::string clock_text(double seconds) {
  auto s = static_cast<uint64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
  return buf;
}

}  // namespace

std::string format_progress(const ProgressCounts& c, bool final_line) {
  // Throughput counts what was scanned, not what was skipped as already stored.
  uint64_t scanned = c.bytes_done - std::min(c.bytes_done, c.bytes_skipped);
  double rate = c.seconds > 0 ? static_cast<double>(scanned) / c.seconds : 0.0;  // bytes/s
  double mb_per_s = rate / 1e6;
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf, "%" PRIu64 "/%" PRIu64 " inputs", c.inputs_done, c.inputs_total);
  out += buf;
  if (c.skipped) {
    std::snprintf(buf, sizeof buf, " (%" PRIu64 " already stored)", c.skipped);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, ", %.1f MB/s, %" PRIu64 " finding%s", mb_per_s, c.findings,
                c.findings == 1 ? "" : "s");
  out += buf;
  if (final_line) {
    out += ", done in " + clock_text(c.seconds);
  } else if (double eta = rate > 0 ? static_cast<double>(c.bytes_total - std::min(c.bytes_total, c.bytes_done)) / rate : -1;
             eta >= 0 && eta < 100 * 3600) {
    // Inputs count as done when finished: early on, with only small ones done and a large one
    // in flight, the rate is far too low and the estimate absurd; past 100 hours it says nothing.
    out += ", ETA " + clock_text(eta);
  } else {
    out += ", ETA --:--";
  }
  return out;
}

Progress::Progress(ProgressStyle style, double interval_seconds, std::FILE* out)
    : style_(style), interval_(interval_seconds), out_(out) {
  // A terminal line is redrawn often enough to feel live; plain lines at the given interval.
  if (style_ == ProgressStyle::kBar) interval_ = std::chrono::duration<double>(0.25);
  if (style_ != ProgressStyle::kNone) thread_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Progress::set_total(uint64_t inputs, uint64_t bytes) {
  inputs_total_ = inputs;
  bytes_total_ = bytes;
}

ProgressCounts Progress::snapshot() const {
  ProgressCounts c;
  c.inputs_total = inputs_total_;
  c.bytes_total = bytes_total_;
  c.inputs_done = inputs_done_;
  c.bytes_done = bytes_done_;
  c.findings = findings_;
  c.skipped = skipped_;
  c.bytes_skipped = bytes_skipped_;
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return c;
}

void Progress::draw(bool final_line) {
  std::string line = "keysweep: " + format_progress(snapshot(), final_line);
  if (style_ == ProgressStyle::kBar) {
    // Pad over the previous, longer line; the final line ends with a newline and stays.
    std::string pad(last_width_ > line.size() ? last_width_ - line.size() : 0, ' ');
    std::fprintf(out_, "\r%s%s%s", line.c_str(), pad.c_str(), final_line ? "\n" : "");
    last_width_ = line.size();
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void Progress::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, interval_, [&] { return stop_; })) break;
    draw(false);
  }
}

void Progress::finish() {
  if (style_ == ProgressStyle::kNone) return;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  draw(true);
}

}  // namespace keysweep::cli
