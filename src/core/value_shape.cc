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
  // A repeated unit: 90% of the characters equal the one `unit` places before. Counted as
  // mismatches, so a value that is not one (prose, a translated string: most context candidates)
  // is given up on after a few characters, not read through four times.
  for (size_t unit = 1; unit <= 4 && unit * 3 <= v.size(); ++unit) {
    const size_t compared = v.size() - unit;
    // match * 10 >= compared * 9 with match = compared - mismatches, i.e. mismatches * 10 <= compared.
    const size_t allowed = compared / 10;
    size_t mismatches = 0;
    for (size_t i = unit; i < v.size() && mismatches <= allowed; ++i)
      mismatches += lower(v[i]) != lower(v[i - unit]);
    if (mismatches <= allowed) return true;
  }
  // A1B2C3D4, a1b2-c3d4-e5f6, d4c3b2a1: eight such characters in a row (separators aside), each
  // alphanumeric compared with the one two alphanumerics before it.
  char back2 = 0, back1 = 0;
  size_t seen = 0, up2 = 0, down2 = 0;
  for (char raw : v) {
    if (!is_alnum(raw)) continue;
    const char c = lower(raw);
    if (seen >= 2) {
      up2 = c == back2 + 1 ? (up2 ? up2 + 1 : 3) : 0;
      down2 = c == back2 - 1 ? (down2 ? down2 + 1 : 3) : 0;
      if (up2 >= 8 || down2 >= 8) return true;
    }
    back2 = back1;
    back1 = c;
    ++seen;
  }
  return false;
}

bool cased_as_a_word(std::string_view text) {
  size_t letters = 0, uppers = 0;
  bool first_letter_upper = false;
  for (char c : text) {
    const bool is_upper = c >= 'A' && c <= 'Z';
    if (!is_upper && !(c >= 'a' && c <= 'z')) continue;
    if (letters == 0) first_letter_upper = is_upper;
    ++letters;
    uppers += is_upper;
  }
  return uppers == 0 || uppers == letters || (uppers == 1 && first_letter_upper);
}

bool contains_word_as_written(std::string_view value, std::string_view lower_word) {
  const size_t n = lower_word.size();
  if (n == 0 || n > value.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i + n <= value.size(); ++i) {
    size_t k = 0;
    while (k < n && lower(value[i + k]) == lower_word[k]) ++k;
    if (k < n) continue;
    if (cased_as_a_word(value.substr(i, n))) return true;
  }
  return false;
}

}  // namespace keysweep
