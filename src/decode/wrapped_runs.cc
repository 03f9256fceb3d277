// Joining base64 that is wrapped over lines (encoded_runs.h, find_wrapped_base64). This looks only
// at the base64 runs the finder already found, a few per file, never at the other bytes.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "decode/encoded_runs.h"

namespace keysweep::decode {

namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '-' || c == '_';
}

bool is_indent(char c) { return c == ' ' || c == '\t'; }

// The line break at `pos` ("\n" or "\r\n"): its length, 0 if there is none.
size_t line_break(std::string_view text, size_t pos) {
  if (pos < text.size() && text[pos] == '\n') return 1;
  if (pos + 1 < text.size() && text[pos] == '\r' && text[pos + 1] == '\n') return 2;
  return 0;
}

// Where the next line's text starts after the line ending at `end`, and its indentation; npos
// when `end` is not a line end.
size_t next_line(std::string_view text, size_t end, std::string_view& indent) {
  const size_t nl = line_break(text, end);
  if (nl == 0) return std::string_view::npos;
  size_t p = end + nl;
  while (p < text.size() && is_indent(text[p])) ++p;
  indent = text.substr(end + nl, p - end - nl);
  return p;
}

}  // namespace

void find_wrapped_base64(std::string_view text, const std::vector<EncodedRun>& runs,
                         uint64_t max_run, std::vector<EncodedRun>& out) {
  // Most texts have no base64 run that fills its line: nothing to index then.
  auto fills_line = [&](const EncodedRun& r) {
    return r.encoding == Encoding::kBase64 && !r.wrapped && r.length % 4 == 0 &&
           text[r.offset + r.length - 1] != '=' && line_break(text, r.offset + r.length) != 0;
  };
  if (std::none_of(runs.begin(), runs.end(), fills_line)) return;
  std::unordered_map<uint64_t, const EncodedRun*> by_start;
  std::unordered_set<uint64_t> ends;
  for (const auto& r : runs)
    if (r.encoding == Encoding::kBase64 && !r.wrapped) {
      by_start.emplace(r.offset, &r);
      ends.insert(r.offset + r.length);
    }
  if (by_start.empty()) return;
  // Whether the line above the one `start` begins (after its indentation) ends in base64: then
  // `start` is inside a list of values, or a block of another width, not the top of a block.
  auto follows_base64_line = [&](size_t start) {
    size_t p = start;
    while (p > 0 && is_indent(text[p - 1])) --p;
    if (p == 0 || text[p - 1] != '\n') return false;
    size_t end = p - 1;
    if (end > 0 && text[end - 1] == '\r') --end;
    return ends.contains(end);
  };

  uint64_t covered = 0;  // a block's later lines do not start blocks of their own
  for (const auto& r : runs) {
    if (r.encoding != Encoding::kBase64 || r.wrapped || r.offset < covered) continue;
    const size_t width = r.length;
    // A full line has no padding ('=' ends the data) and whole groups of four, as every wrapper
    // cuts base64 (64, 76).
    if (!fills_line(r) || follows_base64_line(r.offset)) continue;
    std::string_view indent, first_indent;
    size_t line_end = r.offset + width;
    size_t chars = width;
    size_t lines = 1;
    bool first = true;
    for (;;) {
      size_t start = next_line(text, line_end, indent);
      if (start == std::string_view::npos || (!first && indent != first_indent)) break;
      // The next line: a run of the same width, or a last line of base64 characters (and
      // padding) no wider, ending the block.
      auto next = by_start.find(start);
      size_t len = 0;
      if (next != by_start.end()) {
        len = next->second->length;
      } else {
        while (start + len < text.size() && len <= width && is_base64_char(text[start + len])) ++len;
        for (int pad = 0; pad < 2 && start + len < text.size() && text[start + len] == '='; ++pad)
          ++len;
      }
      if (len == 0 || len > width || chars + len > max_run) break;
      const bool full = len == width && text[start + len - 1] != '=';
      // A line cut short must end there: at its line end, a closing quote or the text's end.
      const size_t after = start + len;
      if (!full && after < text.size() && line_break(text, after) == 0 && text[after] != '"' &&
          text[after] != '\'' && text[after] != ',')
        break;
      // A short line followed by more base64 at the same indentation is a ragged list, not the
      // end of a wrapped block.
      if (!full) {
        std::string_view next_indent;
        const size_t more = next_line(text, after, next_indent);
        if (more != std::string_view::npos && next_indent == indent && by_start.contains(more)) {
          lines = 0;
          break;
        }
      }
      first_indent = first ? indent : first_indent;
      first = false;
      chars += len;
      ++lines;
      line_end = after;
      if (!full) break;
    }
    if (lines < 2) continue;
    out.push_back(EncodedRun{Encoding::kBase64, r.offset, line_end - r.offset, true});
    covered = line_end;
  }
}

std::string unwrap_base64(std::string_view span) {
  std::string out;
  out.reserve(span.size());
  for (char c : span)
    if (c != '\n' && c != '\r' && !is_indent(c)) out += c;
  return out;
}

}  // namespace keysweep::decode
