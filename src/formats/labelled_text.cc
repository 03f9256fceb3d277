#include "formats/labelled_text.h"

namespace keysweep {

namespace {

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Appends `symbol` rendered as a key (see render_key) without a temporary string: DEX and
// resource tables add hundreds of thousands of lines.
void append_key(std::string& out, std::string_view symbol) {
  size_t start = out.size();
  out.append(symbol);
  for (size_t i = start; i < out.size(); ++i)
    if (!is_key_char(out[i])) out[i] = '_';
}

}  // namespace

std::string LabelledTextBuilder::render_key(std::string_view symbol) {
  std::string key;
  append_key(key, symbol);
  return key;
}

void LabelledTextBuilder::add(std::string_view symbol, std::string_view value) {
  segments_.push_back(Segment{text_.size(), std::string(symbol)});
  append_key(text_, symbol);
  text_.append(" = \"");
  // Line breaks inside a value would split it from its key; quotes stay as they are, since rules
  // end secrets at their own character classes. Runs without a break are appended whole.
  while (!value.empty()) {
    size_t brk = value.find_first_of("\r\n");
    if (brk == std::string_view::npos) {
      text_.append(value);
      break;
    }
    text_.append(value.substr(0, brk));
    text_.append(value[brk] == '\n' ? "\\n" : "\\r");
    value.remove_prefix(brk + 1);
  }
  text_.append("\"\n");
}

Blob LabelledTextBuilder::finish(const Blob& parent, std::string name) {
  Blob b = parent.child(std::move(name), std::move(text_));
  b.segments() = std::move(segments_);
  b.set_meaningful_lines(false);
  text_.clear();
  segments_.clear();
  return b;
}

}  // namespace keysweep
