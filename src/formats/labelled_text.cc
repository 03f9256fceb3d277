#include "formats/labelled_text.h"

namespace keysweep {

std::string LabelledTextBuilder::render_key(std::string_view symbol) {
  std::string key(symbol);
  for (char& c : key) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return key;
}

void LabelledTextBuilder::add(std::string_view symbol, std::string_view value) {
  segments_.push_back(Segment{text_.size(), std::string(symbol)});
  text_ += render_key(symbol);
  text_ += " = \"";
  // Line breaks inside a value would split it from its key; quotes stay as they are, since rules
  // end secrets at their own character classes.
  for (char c : value) {
    if (c == '\n') {
      text_ += "\\n";
    } else if (c == '\r') {
      text_ += "\\r";
    } else {
      text_ += c;
    }
  }
  text_ += "\"\n";
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
