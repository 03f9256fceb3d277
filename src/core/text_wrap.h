// Word wrapping for terminal output: long remediation texts, printed whole, under a label.
#pragma once

#include <string>
#include <string_view>

namespace keysweep {

// `text` broken at spaces so no line passes `width` columns (a word longer than that stands on its
// own line), every line after the first starting with `indent` spaces. Counts bytes, not columns:
// remediation texts are ASCII but for a few symbols (">", "…"), which at worst wrap a little early.
inline std::string wrap_words(std::string_view text, size_t indent, size_t width = 100) {
  std::string out;
  size_t col = indent;
  bool first = true;
  while (!text.empty()) {
    size_t sp = text.find(' ');
    std::string_view word = text.substr(0, sp);
    text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
    if (word.empty()) continue;
    if (!first && col + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      col = indent;
    } else if (!first) {
      out += ' ';
      ++col;
    }
    out += word;
    col += word.size();
    first = false;
  }
  return out;
}

}  // namespace keysweep
