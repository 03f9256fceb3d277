#include "formats/labelled_text.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace keysweep {
namespace {

// What a rendered key holds, byte by byte: the plain definition the vectorised code must match.
char reference_key_char(unsigned char c) {
  bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
  return keep ? static_cast<char>(c) : '_';
}

// The keys are mapped 16 bytes at a time, with a last block overlapping the one before it, and
// keys under 16 bytes in a local block: every length around those edges, every byte value.
TEST(LabelledText, RenderKeyMapsEveryByteAtEveryLength) {
  for (size_t len = 0; len <= 49; ++len) {
    for (int first = 0; first < 256; first += 7) {
      std::string symbol;
      for (size_t i = 0; i < len; ++i) symbol.push_back(static_cast<char>((first + i * 37) & 0xFF));
      std::string expected;
      for (char c : symbol) expected.push_back(reference_key_char(static_cast<unsigned char>(c)));
      EXPECT_EQ(LabelledTextBuilder::render_key(symbol), expected) << "length " << len;
    }
  }
  EXPECT_EQ(LabelledTextBuilder::render_key("Twilio$Config.<clinit>()"), "Twilio_Config._clinit___");
}

// A line break anywhere in a value (first, last, inside or past a 16-byte block) is escaped; a
// value without one is written as it is.
TEST(LabelledText, LineBreaksAreEscapedAtEveryPosition) {
  for (size_t len = 1; len <= 40; ++len) {
    std::string plain(len, 'v');
    LabelledTextBuilder b;
    b.add("key", plain);
    const Blob parent = Blob::owning("", {"parent"});
    Blob text = b.finish(parent, "text");
    EXPECT_EQ(text.bytes(), "key = \"" + plain + "\"\n") << "length " << len;
    for (size_t at = 0; at < len; ++at) {
      for (char brk : {'\n', '\r'}) {
        std::string value = plain;
        value[at] = brk;
        std::string escaped = plain.substr(0, at) + (brk == '\n' ? "\\n" : "\\r") + plain.substr(at + 1);
        LabelledTextBuilder one;
        one.add("key", value);
        Blob rendered = one.finish(parent, "text");
        EXPECT_EQ(rendered.bytes(), "key = \"" + escaped + "\"\n") << "length " << len << " at " << at;
      }
    }
  }
}

TEST(LabelledText, ConsecutiveLinesOfOneSymbolShareASegment) {
  LabelledTextBuilder b;
  b.add("com.example.A.f()", "first-value");
  b.add("com.example.A.f()", "");
  b.add("@string/api_key", "second");
  Blob text = b.finish(Blob::owning("", {"parent"}), "text");
  EXPECT_EQ(text.bytes(),
            "com.example.A.f__ = \"first-value\"\ncom.example.A.f__ = \"\"\n_string_api_key = \"second\"\n");
  ASSERT_EQ(text.segments().size(), 2u);
  auto lines = rendered_lines(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].label, "com.example.A.f()");
  EXPECT_EQ(lines[2].value, "second");
}

// add_again gives the text and segments add() gives for the same symbol: a new segment only when
// the line before has another symbol, the key as rendered, line breaks escaped.
TEST(LabelledText, AddAgainWritesWhatAddWouldWrite) {
  struct Line {
    std::string symbol;
    std::string value;
  };
  const std::vector<Line> lines = {
      {"@string/api_key", "value-one"},   {"@plurals/n$[one]", "valeur un"},
      {"@string/api_key", "line\nbreak"}, {"@string/api_key", "twice in a row"},
      {"@plurals/n$[one]", ""},           {"@string/api_key", "value-again"}};
  LabelledTextBuilder with_add, with_again;
  std::map<std::string, LabelledTextBuilder::SymbolRef> refs;
  for (const Line& l : lines) {
    with_add.add(l.symbol, l.value);
    auto it = refs.find(l.symbol);
    if (it == refs.end()) {
      refs.emplace(l.symbol, with_again.add(l.symbol, l.value));
    } else {
      EXPECT_EQ(with_again.label(it->second), l.symbol);
      with_again.add_again(it->second, l.value);
    }
  }
  const Blob parent = Blob::owning("", {"parent"});
  Blob a = with_add.finish(parent, "text");
  Blob b = with_again.finish(parent, "text");
  EXPECT_EQ(a.bytes(), b.bytes());
  ASSERT_EQ(a.segments().size(), 5u) << "lines 3 and 4 share a segment";
  ASSERT_EQ(b.segments().size(), a.segments().size());
  for (size_t i = 0; i < a.segments().size(); ++i) {
    EXPECT_EQ(b.segments()[i].offset, a.segments()[i].offset) << i;
    EXPECT_EQ(b.segments()[i].label, a.segments()[i].label) << i;
  }
}

}  // namespace
}  // namespace keysweep
