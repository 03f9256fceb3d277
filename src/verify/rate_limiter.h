// A token bucket: at most `rate` requests per second on average, bursts of up to `burst`. The
// caller passes the time in, so the arithmetic is testable without a clock.
#pragma once

#include <chrono>

namespace keysweep::verify {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate_per_second, double burst);

  // Takes one token and returns how long the caller must wait before using it: zero while the
  // bucket holds tokens. The bucket goes into debt, so callers that arrive together queue up at
  // 1/rate intervals instead of all waking at once.
  std::chrono::nanoseconds take(Clock::time_point now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

}  // namespace keysweep::verify
