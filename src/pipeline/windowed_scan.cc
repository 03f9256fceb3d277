#include "pipeline/windowed_scan.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of the x86-64 baseline
#endif

#include "core/secret.h"

namespace keysweep {

namespace {

// Newlines and code points are counted over every byte of a large file's windows. A memchr per
// newline was a call per line, most of the tally on source text (short lines); 16 bytes at a
// time, SSE2 being part of the x86-64 baseline, is a few instructions per 16 bytes whatever the
// lines. Each byte's comparison (0 or -1) is subtracted from a per-lane count, summed every 255
// blocks before a lane can overflow.
#if defined(__SSE2__)
template <typename Matches16, typename Matches1>
uint64_t count_bytes(std::string_view s, Matches16 matches16, Matches1 matches1) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t total = 0;
  while (n >= 16) {
    const size_t blocks = std::min<size_t>(n / 16, 255);
    __m128i lanes = _mm_setzero_si128();
    for (size_t i = 0; i < blocks; ++i, p += 16)
      lanes = _mm_sub_epi8(lanes, matches16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    total += static_cast<uint64_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    n -= blocks * 16;
  }
  for (; n > 0; --n, ++p) total += matches1(*p);
  return total;
}

uint64_t count_points(std::string_view s) {
  // Not a continuation byte (10xxxxxx: -128..-65 as a signed byte).
  return count_bytes(
      s, [](__m128i v) { return _mm_cmpgt_epi8(v, _mm_set1_epi8(-65)); },
      [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; });
}

uint64_t count_newlines(std::string_view s) {
  return count_bytes(
      s, [](__m128i v) { return _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')); },
      [](char c) { return c == '\n'; });
}
#else
uint64_t count_points(std::string_view s) {
  return static_cast<uint64_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; }));
}

uint64_t count_newlines(std::string_view s) {
  return static_cast<uint64_t>(std::count(s.begin(), s.end(), '\n'));
}
#endif

bool continuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// The same counts over UTF-16 code units: a newline is the unit U+000A, a code point every unit
// but the low half of a surrogate pair (as the decoded text, where a pair is one character).
struct Utf16Counts {
  uint64_t newlines = 0, points = 0;
  uint64_t tail_points = 0;  // after the last newline (all, if none)
};
Utf16Counts count_utf16(std::string_view s, bool big_endian) {
  Utf16Counts c;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    const auto a = static_cast<uint8_t>(s[i]), b = static_cast<uint8_t>(s[i + 1]);
    const uint32_t unit = big_endian ? (a << 8 | b) : (b << 8 | a);
    if (unit == '\n') {
      ++c.newlines;
      c.tail_points = 0;
    } else if (!is_low_surrogate(unit)) {
      ++c.points;
      ++c.tail_points;
    }
  }
  return c;
}

WindowTally tally_utf16_window(std::string_view bytes, const TextWindow& w, const Utf16Layout& utf16) {
  // Window edges are even (the plan is cut so), and so is a byte order mark.
  const size_t bom = std::min<size_t>(utf16.bom, bytes.size());
  const size_t lead_end = std::max<size_t>(bom, w.keep_begin - w.begin);
  Utf16Counts lead = count_utf16(bytes.substr(bom, lead_end - bom), utf16.big_endian);
  const size_t own_begin = std::max<size_t>(bom, w.keep_begin - w.begin);
  const size_t own_end = std::max<size_t>(own_begin, w.keep_end - w.begin);
  Utf16Counts own = count_utf16(bytes.substr(own_begin, own_end - own_begin), utf16.big_endian);
  WindowTally t;
  t.lead_newlines = lead.newlines;
  t.lead_points = lead.points;
  t.kept_newlines = own.newlines;
  t.kept_has_newline = own.newlines > 0;
  t.kept_tail_points = own.tail_points;
  return t;
}

}  // namespace

WindowTally tally_window(std::string_view bytes, const TextWindow& w, const Utf16Layout* utf16) {
  if (utf16) return tally_utf16_window(bytes, w, *utf16);
  WindowTally t;
  std::string_view lead = bytes.substr(0, w.keep_begin - w.begin);
  std::string_view own = bytes.substr(lead.size(), w.keep_end - w.keep_begin);
  t.lead_newlines = count_newlines(lead);
  t.lead_points = count_points(lead);
  t.kept_newlines = count_newlines(own);
  t.kept_has_newline = t.kept_newlines > 0;
  size_t last = own.rfind('\n');
  t.kept_tail_points = count_points(last == std::string_view::npos ? own : own.substr(last + 1));
  return t;
}

bool own_part_is_valid_utf8(std::string_view bytes, const TextWindow& w) {
  size_t from = w.keep_begin - w.begin, to = from + (w.keep_end - w.keep_begin);
  // Up to 3 continuation bytes at the start belong to the window before; this one finishes the
  // character its own part ends in.
  if (w.keep_begin > 0)
    for (int i = 0; i < 3 && from < to && continuation(bytes[from]); ++i) ++from;
  for (int i = 0; i < 3 && to < bytes.size() && continuation(bytes[to]); ++i) ++to;
  return is_valid_utf8(bytes.substr(from, to - from));
}

void WindowPlacer::place(const TextWindow& w, const WindowTally& t, std::vector<Finding>& findings) {
  const uint64_t lines_before = newlines_ - t.lead_newlines;  // newlines before `begin`
  for (Finding& f : findings) {
    Location& loc = f.location;
    loc.offset += w.begin;
    if (loc.line == 0) continue;  // no line to place
    // On the window's first line, which started before it (a kept finding is there only when the
    // lead holds no newline): the code points of that line before the window count too.
    if (loc.line == 1 && t.lead_newlines == 0) loc.column += static_cast<uint32_t>(points_ - t.lead_points);
    loc.line += static_cast<uint32_t>(lines_before);
  }
  newlines_ += t.kept_newlines;
  points_ = t.kept_has_newline ? t.kept_tail_points : points_ + t.kept_tail_points;
}

}  // namespace keysweep
