#include "core/utc_time.h"

namespace keysweep {

std::string format_utc(std::time_t t, const char* format) {
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "";
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

std::string format_utc_now(const char* format) { return format_utc(std::time(nullptr), format); }

}  // namespace keysweep
