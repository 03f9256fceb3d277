#include "pipeline/windowed_scan.h"

#include <algorithm>
#include <cstring>

#include "core/secret.h"

namespace keysweep {

namespace {

uint64_t count_points(std::string_view s) {
  return static_cast<uint64_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xC0) != 0x80; }));
}

// memchr from one newline to the next: std::count's byte loop was a sixth of a large log's scan.
uint64_t count_newlines(std::string_view s) {
  uint64_t n = 0;
  const char* end = s.data() + s.size();
  for (const char* p = s.data(); p < end; ++p, ++n) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!p) break;
  }
  return n;
}

bool continuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

}  // namespace

WindowTally tally_window(std::string_view bytes, const TextWindow& w) {
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
