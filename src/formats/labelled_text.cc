#include "formats/labelled_text.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of the x86-64 baseline
#endif

namespace keysweep {

namespace {

// Each byte as a rendered key has it: itself in [A-Za-z0-9_.-], '_' otherwise (one table load per
// byte, no branch: DEX and resource tables render hundreds of thousands of keys).
constexpr std::array<char, 256> kKeyChar = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
    t[c] = keep ? static_cast<char>(c) : '_';
  }
  return t;
}();

#if defined(__SSE2__)
// Sixteen bytes mapped as kKeyChar maps each.
__m128i key_chars(__m128i v) {
  auto in_range = [](__m128i b, char lo, char hi) {  // lo <= b <= hi, unsigned, per byte
    __m128i d = _mm_sub_epi8(b, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(hi - lo))), d);
  };
  // '-' to '9' is - . / 0-9: all but the slash.
  __m128i keep = _mm_or_si128(
      _mm_or_si128(in_range(v, 'A', 'Z'), in_range(v, 'a', 'z')),
      _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('/')), in_range(v, '-', '9')),
                   _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
  return _mm_or_si128(_mm_and_si128(keep, v), _mm_andnot_si128(keep, _mm_set1_epi8('_')));
}
#endif

// Writes `symbol` rendered as a key (see render_key) to `out`, which has room for its bytes.
// Sixteen bytes at a time where SSE2 is there (the x86-64 baseline), mapped on the way from the
// symbol to the text: every line of a DEX or resource table starts with a key, and copying it
// first and mapping it in place read and wrote it twice. A key of 16 bytes or more ends with one
// block that overlaps the one before it (mapping the same source bytes again writes the same
// bytes), and a shorter key is mapped as one block in a local buffer: most keys are not a multiple
// of 16 long, and their tails byte by byte were half of the function's time.
void write_key(char* out, std::string_view symbol) {
  const char* key = symbol.data();
  const size_t n = symbol.size();
#if defined(__SSE2__)
  if (n >= 16) {
    for (size_t i = 0; i + 16 <= n; i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + i));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), key_chars(v));
    }
    if (n % 16 != 0) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + n - 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + n - 16), key_chars(v));
    }
    return;
  }
  if (n > 0) {
    alignas(16) char block[16] = {};
    std::memcpy(block, key, n);
    _mm_store_si128(reinterpret_cast<__m128i*>(block),
                    key_chars(_mm_load_si128(reinterpret_cast<const __m128i*>(block))));
    std::memcpy(out, block, n);
  }
#else
  for (size_t i = 0; i < n; ++i) out[i] = kKeyChar[static_cast<unsigned char>(key[i])];
#endif
}

// Whether `value` holds a '\n' or '\r': one pass over the bytes, 16 at a time where SSE2 is there
// (two memchr calls, one per byte value, read every value twice).
bool has_line_break(std::string_view value) {
  const char* p = value.data();
  const size_t n = value.size();
#if defined(__SSE2__)
  auto breaks = [](__m128i v) {
    return _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
  };
  if (n >= 16) {
    for (size_t i = 0; i + 16 <= n; i += 16)
      if (breaks(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)))) return true;
    return n % 16 != 0 && breaks(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16)));
  }
  alignas(16) char block[16] = {};
  if (n > 0) std::memcpy(block, p, n);
  return breaks(_mm_load_si128(reinterpret_cast<const __m128i*>(block))) != 0;
#else
  return std::memchr(p, '\n', n) || std::memchr(p, '\r', n);
#endif
}

}  // namespace

std::string LabelledTextBuilder::render_key(std::string_view symbol) {
  std::string key(symbol.size(), '\0');
  write_key(key.data(), symbol);
  return key;
}

void LabelledTextBuilder::reserve(size_t bytes) {
  text_.reserve(bytes);
  // A rendered line is rarely under 32 bytes; its label is about as long as its key.
  segments_.reserve(bytes / 32, bytes / 4);
}

LabelledTextBuilder::SymbolRef LabelledTextBuilder::add(std::string_view symbol,
                                                        std::string_view value) {
  // Consecutive lines of one symbol (a method loading several strings) share one segment: a
  // finding anywhere in the run reports the same label, and no label is copied per line.
  const bool same_symbol = !segments_.empty() && segments_.back().label == symbol;
  if (!same_symbol) segments_.push_back(Segment{text_.size(), symbol});
  // Line breaks inside a value would split it from its key; quotes stay as they are, since rules
  // end secrets at their own character classes. Most values have no break, and their whole line
  // (key, value and the bytes around them) is written into room made once.
  const bool plain = !has_line_break(value);
  const size_t at = text_.size();
  char* out = text_.grow(symbol.size() + (plain ? value.size() + 6 : 0));
  if (same_symbol) {
    // The same symbol as the line before: its rendered key is there to copy.
    std::memcpy(out, text_.data() + last_key_, symbol.size());
  } else {
    last_key_ = at;
    write_key(out, symbol);
  }
  append_value(out + symbol.size(), plain, value);
  return {segments_.size() - 1, at, symbol.size()};
}

void LabelledTextBuilder::add_again(const SymbolRef& ref, std::string_view value) {
  // What add() would do with the symbol `ref` names: a new segment unless the line before has
  // the same label, and the rendered key copied from the line `ref` wrote.
  const bool same_symbol = segments_.back().label == segments_[ref.segment].label;
  if (!same_symbol) segments_.push_back_label_of(text_.size(), ref.segment);
  const bool plain = !has_line_break(value);
  const size_t at = text_.size();
  char* out = text_.grow(ref.key_size + (plain ? value.size() + 6 : 0));
  std::memcpy(out, text_.data() + ref.key_at, ref.key_size);
  if (!same_symbol) last_key_ = at;
  append_value(out + ref.key_size, plain, value);
}

void LabelledTextBuilder::append_value(char* out, bool plain, std::string_view value) {
  if (plain) {
    std::memcpy(out, " = \"", 4);
    if (!value.empty()) std::memcpy(out + 4, value.data(), value.size());
    std::memcpy(out + 4 + value.size(), "\"\n", 2);
    return;
  }
  const char* p = value.data();
  text_.append(" = \"");
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '\n' && c != '\r') continue;
    text_.append(p + run, i - run);
    text_.append(c == '\n' ? "\\n" : "\\r");
    run = i + 1;
  }
  text_.append(p + run, value.size() - run);
  text_.append("\"\n");
}

Blob LabelledTextBuilder::finish(const Blob& parent, std::string name) {
  const std::string_view bytes = text_.view();
  Blob b = parent.child_view_of(std::move(name), bytes, text_.release());  // leaves text_ empty
  b.segments() = std::move(segments_);
  b.set_meaningful_lines(false);
  segments_.clear();
  last_key_ = 0;
  return b;
}

std::vector<RenderedLine> rendered_lines(const Blob& text) {
  std::vector<RenderedLine> out;
  const auto& segs = text.segments();
  std::string_view t = text.bytes();
  for (size_t i = 0; i < segs.size(); ++i) {
    size_t end = i + 1 < segs.size() ? segs[i + 1].offset : t.size();
    std::string_view run = t.substr(segs[i].offset, end - segs[i].offset);
    // A segment covers one line or several consecutive lines of the same symbol.
    while (!run.empty()) {
      size_t nl = run.find('\n');
      std::string_view line = run.substr(0, nl);
      run.remove_prefix(nl == std::string_view::npos ? run.size() : nl + 1);
      size_t q = line.find(" = \"");
      if (q == std::string_view::npos || line.size() < q + 5) continue;
      out.push_back({segs[i].label, line.substr(q + 4, line.size() - q - 5)});
    }
  }
  return out;
}

}  // namespace keysweep
