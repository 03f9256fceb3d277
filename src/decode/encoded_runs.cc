#include "decode/encoded_runs.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace keysweep::decode {

namespace {

enum : uint8_t { kB64 = 1, kHexDigit = 2, kUpper = 4, kLower = 8, kStd = 16, kUrl = 32 };

constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kB64 | kUpper | (c <= 'F' ? kHexDigit : 0);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kB64 | kLower | (c <= 'f' ? kHexDigit : 0);
  for (int c = '0'; c <= '9'; ++c) t[c] = kB64 | kHexDigit;
  t['+'] = t['/'] = kB64 | kStd;
  t['-'] = t['_'] = kB64 | kUrl;
  return t;
}();

uint8_t cls(char c) { return kClass[static_cast<uint8_t>(c)]; }
bool is_hex(char c) { return cls(c) & kHexDigit; }

// A percent-encoded value ends where a URL or a query string would: at white space, quotes, angle
// brackets, control characters.
bool is_url_byte(char ch) {
  auto c = static_cast<uint8_t>(ch);
  return c > 0x20 && c != 0x7F && c != '"' && c != '\'' && c != '`' && c != '<' && c != '>' &&
         c != '\\';
}

// An escaped string ends at its quote or at the end of the line.
bool ends_string(char c) { return c == '"' || c == '\'' || c == '`' || c == '\n' || c == '\r'; }

void add(std::vector<EncodedRun>& out, Encoding e, size_t lo, size_t hi) {
  out.push_back(EncodedRun{e, lo, hi - lo});
}

// One maximal run of base64-alphabet characters [lo, hi): its hex stretches, and the run itself as
// base64 when it has both cases (a run of 20 base64 characters without an upper or a lower case
// letter comes by chance once in 30,000; identifiers in snake_case or CAPS are skipped so).
void classify_run(std::string_view text, size_t lo, size_t hi, uint64_t max_run,
                  std::vector<EncodedRun>& out) {
  uint8_t seen = 0;
  size_t hex_start = lo, last_slash = std::string_view::npos;
  bool all_hex = true;
  for (size_t i = lo; i <= hi; ++i) {
    const bool hex = i < hi && is_hex(text[i]);
    if (!hex) {
      all_hex &= i == hi;
      if (size_t len = i - hex_start; len >= kMinHexRun) {
        len = std::min<uint64_t>(len, max_run) & ~size_t{1};
        add(out, Encoding::kHex, hex_start, hex_start + len);
      }
      hex_start = i + 1;
    }
    if (i < hi) {
      seen |= cls(text[i]);
      if (text[i] == '/') last_slash = i;
    }
  }
  if (all_hex || !(seen & kUpper) || !(seen & kLower)) return;
  size_t end = hi;
  for (int pad = 0; pad < 2 && end < text.size() && text[end] == '='; ++pad) ++end;
  auto add_base64 = [&](size_t from) {
    size_t len = end - from;
    if (len > max_run) len = max_run & ~size_t{3};
    add(out, Encoding::kBase64, from, from + len);
  };
  add_base64(lo);
  // A path or URL ending in a token: the token alone, since its alignment is its own (when it is
  // the run's alignment, the whole run's decoding holds it already).
  if (last_slash != std::string_view::npos && hi - (last_slash + 1) >= kMinBase64Run &&
      (last_slash + 1 - lo) % 4 != 0)
    add_base64(last_slash + 1);
}

void find_alphabet_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out) {
  // A run of kMinBase64Run characters covers one of every kMinBase64Run-th positions: sample those
  // and grow a run only around a sample that is in the alphabet.
  constexpr size_t kStep = kMinBase64Run;
  const size_t n = text.size();
  size_t floor = 0;  // text[floor - 1] ends the previous run: no run grows left of it
  for (size_t i = kStep - 1; i < n;) {
    if (!(cls(text[i]) & kB64)) {
      i += kStep;
      continue;
    }
    size_t lo = i, hi = i + 1;
    while (lo > floor && (cls(text[lo - 1]) & kB64)) --lo;
    while (hi < n && (cls(text[hi]) & kB64)) ++hi;
    if (hi - lo >= kMinBase64Run) classify_run(text, lo, hi, max_run, out);
    floor = hi;
    i = hi + kStep;
  }
}

// Runs holding `trigger` escapes: `is_escape(pos)` says whether the trigger at pos starts one, then
// the run grows both ways until `is_end` (escaped characters do not end it).
template <typename IsEscape, typename IsEnd>
void find_escaped_runs(std::string_view text, char trigger, Encoding e, uint64_t max_run,
                       IsEscape is_escape, IsEnd is_end, std::vector<EncodedRun>& out) {
  const size_t n = text.size();
  size_t pos = 0, floor = 0;
  while (pos < n) {
    const void* hit = std::memchr(text.data() + pos, trigger, n - pos);
    if (!hit) break;
    size_t p = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    if (!is_escape(p)) {
      // "\\u0041" is a backslash and "u0041": the escaped backslash is skipped with its escape.
      pos = p + (trigger == '\\' && p + 1 < n && text[p + 1] == '\\' ? 2 : 1);
      continue;
    }
    size_t lo = p;
    while (lo > floor && p - lo < max_run && !is_end(text[lo - 1])) --lo;
    size_t hi = p;
    while (hi < n && hi - lo < max_run && !is_end(text[hi])) hi += text[hi] == '\\' ? 2 : 1;
    hi = std::min<size_t>({hi, n, static_cast<size_t>(lo + max_run)});
    add(out, e, lo, hi);
    floor = pos = hi;
  }
}

}  // namespace

void find_encoded_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out) {
  if (max_run < kMinBase64Run) return;
  find_alphabet_runs(text, max_run, out);
  const size_t n = text.size();
  auto hex2 = [&](size_t i) { return i + 1 < n && is_hex(text[i]) && is_hex(text[i + 1]); };
  find_escaped_runs(
      text, '%', Encoding::kPercent, max_run, [&](size_t p) { return hex2(p + 1); },
      [](char c) { return !is_url_byte(c); }, out);
  find_escaped_runs(
      text, '\\', Encoding::kEscape, max_run,
      [&](size_t p) {
        if (p + 1 >= n) return false;
        char e = text[p + 1];
        if (e == '/') return true;
        if (e == 'x') return hex2(p + 2);
        if (e != 'u') return false;
        if (p + 2 < n && text[p + 2] == '{') return true;
        return hex2(p + 2) && hex2(p + 4);
      },
      ends_string, out);
}

}  // namespace keysweep::decode
