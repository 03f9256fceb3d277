#include "verify/rate_limiter.h"

#include <algorithm>

namespace keysweep::verify {

TokenBucket::TokenBucket(double rate_per_second, double burst)
    : rate_(rate_per_second > 0 ? rate_per_second : 1),
      burst_(std::max(1.0, burst)),
      tokens_(burst_) {}

std::chrono::nanoseconds TokenBucket::take(Clock::time_point now) {
  if (started_ && now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  }
  if (!started_ || now > last_) last_ = now;
  started_ = true;
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / rate_ * 1e9));
}

}  // namespace keysweep::verify
