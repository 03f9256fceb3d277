#include "cli/progress.h"

#include <algorithm>
#include <cinttypes>

#include "core/secret.h"
#include "core/stderr_lines.h"

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

// The time left, from the bytes left at the byte rate so far and from the inputs left at the input
// rate so far, whichever is longer: many small inputs after a few big ones (or the reverse) fool
// either one alone ("ETA 0:00" with 1,300 inputs to go). Inputs count only once finished, so
// before a second has passed and something was scanned the rates are noise: "unknown".
std::string eta_text(const ProgressCounts& c, double scanned_bytes) {
  const uint64_t scanned_inputs = c.inputs_done - std::min(c.inputs_done, c.skipped);
  if (c.seconds < 1.0 || scanned_inputs == 0 || scanned_bytes <= 0 || c.inputs_total == 0)
    return "unknown";
  if (c.inputs_done >= c.inputs_total) return "0:00";
  double bytes_left = static_cast<double>(c.bytes_total - std::min(c.bytes_total, c.bytes_done));
  double inputs_left = static_cast<double>(c.inputs_total - c.inputs_done);
  double by_bytes = bytes_left * c.seconds / scanned_bytes;
  double by_inputs = inputs_left * c.seconds / static_cast<double>(scanned_inputs);
  double eta = std::max(by_bytes, by_inputs);
  if (eta >= 100 * 3600) return "unknown";  // past 100 hours an estimate says nothing
  // An input left is at least a second's work on a display that ticks by the second.
  return clock_text(std::max(eta, 1.0));
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
  if (final_line) return out + ", done in " + clock_text(c.seconds);
  out += ", ETA " + eta_text(c, static_cast<double>(scanned));
  if (!c.oldest_input.empty() && c.oldest_seconds >= kNameInputAfterSeconds)
    out += "; still reading " + printable_name(c.oldest_input) + " (" + clock_text(c.oldest_seconds) + ")";
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

void Progress::input_started(const std::string& path) {
  if (style_ == ProgressStyle::kNone) return;
  std::lock_guard lock(started_mu_);
  started_.emplace(path, std::chrono::steady_clock::now());
}

void Progress::input_ended(const std::string& path) {
  if (style_ == ProgressStyle::kNone) return;
  std::lock_guard lock(started_mu_);
  if (auto it = started_.find(path); it != started_.end()) started_.erase(it);
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
  const auto now = std::chrono::steady_clock::now();
  c.seconds = std::chrono::duration<double>(now - start_).count();
  std::lock_guard lock(started_mu_);
  for (const auto& [path, since] : started_) {
    const double for_seconds = std::chrono::duration<double>(now - since).count();
    if (for_seconds > c.oldest_seconds) {
      c.oldest_seconds = for_seconds;
      c.oldest_input = path;
    }
  }
  return c;
}

void Progress::draw(bool final_line) {
  std::string line = "keysweep: " + format_progress(snapshot(), final_line);
  if (style_ == ProgressStyle::kBar) {
    // Under the lock warnings take (core/stderr_lines.h): a warning erases this line first.
    draw_live_line(out_, line, final_line);
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
