#include "core/value_shape.h"

#include <algorithm>
#include <string>

namespace keysweep {

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

CharacterRuns longest_runs(std::string_view v) {
  CharacterRuns best;
  if (v.empty()) return best;
  best = {1, 1};
  size_t same = 1, up = 1, down = 1;
  for (size_t i = 1; i < v.size(); ++i) {
    char a = lower(v[i - 1]), b = lower(v[i]);
    same = a == b ? same + 1 : 1;
    up = b == a + 1 ? up + 1 : 1;
    down = b == a - 1 ? down + 1 : 1;
    best.repeated = std::max(best.repeated, same);
    best.sequence = std::max({best.sequence, up, down});
  }
  return best;
}

bool is_filler(std::string_view v) {
  if (v.size() < 4) return false;
  // A run that is most of the value, or a very long sequence; "abuser123456" is a weak password,
  // not filler.
  CharacterRuns runs = longest_runs(v);
  if (runs.sequence >= 10 || std::max(runs.repeated, runs.sequence) * 2 > v.size()) return true;
  for (size_t unit = 1; unit <= 4 && unit * 3 <= v.size(); ++unit) {
    size_t match = 0;
    for (size_t i = unit; i < v.size(); ++i) match += lower(v[i]) == lower(v[i - unit]);
    if (match * 10 >= (v.size() - unit) * 9) return true;
  }
  // A1B2C3D4, a1b2-c3d4-e5f6, d4c3b2a1: eight such characters in a row (separators aside).
  std::string compact;
  for (char c : v)
    if (is_alnum(c)) compact.push_back(lower(c));
  size_t up2 = 0, down2 = 0;
  for (size_t i = 2; i < compact.size(); ++i) {
    up2 = compact[i] == compact[i - 2] + 1 ? (up2 ? up2 + 1 : 3) : 0;
    down2 = compact[i] == compact[i - 2] - 1 ? (down2 ? down2 + 1 : 3) : 0;
    if (up2 >= 8 || down2 >= 8) return true;
  }
  return false;
}

}  // namespace keysweep
