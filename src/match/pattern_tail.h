// A rule pattern's tail that Vectorscan runs slowly, taken off the pattern and checked in the match
// callback instead, with the same match ends as a result (issue 16.5).
//
// The matcher needs from Vectorscan only where matches end (its windows are built from those ends,
// and RE2 confirms inside them), so the database may be compiled from a head of a pattern whose
// ends give the pattern's own exactly. Two tails are taken off:
//   \b              at the end of the pattern: the head's end e is an end of the pattern when the
//                   bytes either side of e differ in being word bytes (or e is an end of the data);
//   (?:[^D]|$)      at the end: e + 1 when the byte at e is not in D; e when e is the data's end,
//                   or the byte before a final line feed (Vectorscan's $);
// and, right before either (groups may close in between), a bounded repeat C{a,b} is given as C{a}:
// the head ends a + k bytes early for the k in 0..b-a that the tail accepts.
// Over 165 MB of source and documentation this took the database from 0.21 to 0.13 CPU seconds:
// a repeat of digits before a one-byte literal, with a bounded class repeat and a \b or a class
// after it (Telegram's bot token, Facebook's app access token), had Vectorscan run an automaton over
// every byte, which the head alone does not need.
//
// Only what can be read with certainty is taken: no alternation around the tail, no flags but i and
// s, classes of plain bytes, ranges and \d \w; anything else keeps its pattern whole.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keysweep {

struct PatternTail {
  enum class Kind : uint8_t { kWordBoundary, kNotClassOrEnd };
  Kind kind = Kind::kWordBoundary;
  uint32_t extra = 0;          // the repeat given as C{a}: up to this many more bytes of `repeat`
  std::bitset<256> repeat;     // C, when extra > 0
  std::bitset<256> follow;     // kNotClassOrEnd: the bytes [^D] matches

  // The pattern's ends from the head's end `e` in `data`: `end(x)` for each, in increasing order,
  // except that an end only $ gives goes to `at_data_end(x)`: Vectorscan reports those after every
  // other match of the scan, and the matcher's windows depend on the order the ends come in.
  template <typename End, typename AtDataEnd>
  void ends(std::string_view data, uint64_t e, End end, AtDataEnd at_data_end) const {
    const uint64_t n = data.size();
    uint64_t t = e;
    if (extra > 0) {
      const uint64_t limit = std::min<uint64_t>(n, e + extra);
      while (t < limit && repeat[byte(data, t)]) ++t;
      if (t < n && repeat[byte(data, t)]) return;  // the run goes on past the repeat's bound
    }
    if (kind == Kind::kWordBoundary) {
      if ((t > 0 && is_word(byte(data, t - 1))) != (t < n && is_word(byte(data, t)))) end(t);
      return;
    }
    if (t < n && follow[byte(data, t)]) end(t + 1);
    if (t == n || (t + 1 == n && data[t] == '\n')) at_data_end(t);
  }

  static bool is_word(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }

 private:
  static uint8_t byte(std::string_view d, uint64_t i) { return static_cast<uint8_t>(d[i]); }
};

struct SplitPattern {
  std::string head;  // what Vectorscan is given
  PatternTail tail;
};

// The head and tail of `pattern`, or nullopt when it has no tail taken off (see above).
std::optional<SplitPattern> split_pattern_tail(std::string_view pattern);

}  // namespace keysweep
