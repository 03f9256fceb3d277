#include "input/shard.h"

#include <charconv>

namespace keysweep {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Result<Shard> parse_shard(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorCode::kConfig,
                      "--shard wants K/N with 1 <= K <= N (e.g. 3/8), not '" + std::string(text) + "'");
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  Shard s;
  auto k = std::from_chars(text.data(), text.data() + slash, s.index);
  auto n = std::from_chars(text.data() + slash + 1, text.data() + text.size(), s.count);
  if (k.ec != std::errc{} || k.ptr != text.data() + slash || n.ec != std::errc{} ||
      n.ptr != text.data() + text.size() || s.count == 0 || s.index == 0 || s.index > s.count)
    return bad();
  return s;
}

}  // namespace keysweep
