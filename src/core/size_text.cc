#include "core/size_text.h"

#include <cctype>
#include <string>

namespace keysweep {

Result<uint64_t> parse_size(std::string_view text_view) {
  const std::string text(text_view);
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (value > (UINT64_MAX - 9) / 10) break;
    value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
  }
  if (i == 0) return make_error(ErrorCode::kConfig, "not a size: '" + text + "'");
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1ull << 30;
  else return make_error(ErrorCode::kConfig, "unknown size unit in '" + text + "'");
  if (value > UINT64_MAX / mult) return make_error(ErrorCode::kConfig, "size too large: " + text);
  return value * mult;
}

}  // namespace keysweep
