// Structured formats (DEX, resources.arsc, binary XML, plists) become text the matcher can scan:
// one line per value, `KEY = "VALUE"`, with the exact symbol kept as the line's Segment label.
// Writing the key beside the value lets keyword rules use it as context: a 32-hex value under
// `twilio_auth_token` renders as `twilio_auth_token = "…"`, which the Twilio rule recognises.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/blob.h"
#include "core/byte_buffer.h"

namespace keysweep {

// No built-in rule reports a secret shorter than this (generic.password_assignment takes 6
// characters; provider keys are longer). Extractors that render one line per value leave shorter
// values out: they are most of the values of a string table and cannot be a credential.
inline constexpr size_t kShortestSecret = 6;

class LabelledTextBuilder {
 public:
  // Where a line's symbol went: its label and its rendered key, for add_again.
  struct SymbolRef {
    size_t segment = 0;  // the segment holding the label
    size_t key_at = 0;   // the rendered key's first byte in the text
    size_t key_size = 0;
  };

  // `symbol` is what a finding reports ("@string/twilio_auth_token",
  // "com.example.sms.TwilioClient.send()"); `value` the string as the format stores it (UTF-8).
  SymbolRef add(std::string_view symbol, std::string_view value);
  // A line for the symbol of an earlier line (`ref`, from add): the same text and segment label as
  // add(symbol, value), with the label shared and the rendered key copied rather than written
  // again. A resource table has a line for each translation of a resource, far apart. `ref` is
  // good until finish().
  void add_again(const SymbolRef& ref, std::string_view value);
  // The label of the line `ref` names.
  std::string_view label(const SymbolRef& ref) const { return segments_[ref.segment].label; }
  // Room for `bytes` of text, with a guess of the lines' count and labels from it.
  void reserve(size_t bytes);
  bool empty() const { return text_.empty(); }
  size_t size() const { return text_.size(); }
  // A child of `parent` named `name` holding the rendered text and its segments.
  Blob finish(const Blob& parent, std::string name);

  // The key as rendered: characters outside [A-Za-z0-9_.-] become '_', so "Twilio$Config.<clinit>()"
  // renders "Twilio_Config._clinit___".
  static std::string render_key(std::string_view symbol);

 private:
  // Writes ` = "VALUE"` and the line's end after the key that ends at `out`, the last byte of the
  // text so far: into the room already made when the value has no line break (`plain`), by
  // appending (line breaks escaped) when it has.
  void append_value(char* out, bool plain, std::string_view value);

  ByteBuffer text_;
  Segments segments_;
  size_t last_key_ = 0;  // where the last segment's rendered key starts in text_
};

// One line of a text LabelledTextBuilder made: its segment's label and the value as rendered
// (line breaks escaped). For tests and dump tools that read the text back.
struct RenderedLine {
  std::string_view label;
  std::string_view value;
};
std::vector<RenderedLine> rendered_lines(const Blob& text);

}  // namespace keysweep
