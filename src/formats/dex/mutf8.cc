#include "formats/dex/mutf8.h"

#include <cstdint>

#include "io/utf16.h"

namespace keysweep::dex {

namespace {

bool is_continuation(std::string_view in, size_t i) {
  return i < in.size() && (static_cast<uint8_t>(in[i]) & 0xC0) == 0x80;
}

uint8_t byte_at(std::string_view in, size_t i) { return static_cast<uint8_t>(in[i]); }

// A 3-byte sequence at `i` holding one UTF-16 unit, or -1 when there is none.
int32_t three_byte_unit(std::string_view in, size_t i) {
  if (i >= in.size() || (byte_at(in, i) & 0xF0) != 0xE0) return -1;
  if (!is_continuation(in, i + 1) || !is_continuation(in, i + 2)) return -1;
  return static_cast<int32_t>(((byte_at(in, i) & 0x0F) << 12) | ((byte_at(in, i + 1) & 0x3F) << 6) |
                              (byte_at(in, i + 2) & 0x3F));
}

}  // namespace

std::string decode_mutf8(std::string_view in) {
  std::string out;
  append_mutf8_as_utf8(out, in);
  return out;
}

void append_mutf8_as_utf8(std::string& out, std::string_view in) {
  out.reserve(out.size() + in.size());
  size_t i = 0;
  while (i < in.size()) {
    uint8_t b = byte_at(in, i);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
    } else if ((b & 0xE0) == 0xC0 && is_continuation(in, i + 1)) {
      // Overlong forms are kept as the character they name: C0 80 is how MUTF-8 writes U+0000.
      append_utf8_codepoint(out, ((b & 0x1F) << 6) | (byte_at(in, i + 1) & 0x3F));
      i += 2;
    } else if (int32_t unit = three_byte_unit(in, i); unit >= 0) {
      uint32_t u = static_cast<uint32_t>(unit);
      i += 3;
      int32_t next = is_high_surrogate(u) ? three_byte_unit(in, i) : -1;
      if (next >= 0 && is_low_surrogate(static_cast<uint32_t>(next))) {
        append_utf8_codepoint(out, combine_surrogates(u, static_cast<uint32_t>(next)));
        i += 3;
      } else {
        append_utf8_scalar(out, u);  // a lone surrogate becomes U+FFFD
      }
    } else if ((b & 0xF8) == 0xF0 && is_continuation(in, i + 1) && is_continuation(in, i + 2) &&
               is_continuation(in, i + 3)) {
      // Not MUTF-8, but some non-Android DEX writers emit standard 4-byte UTF-8; keeping the
      // character beats turning a readable string into replacement marks.
      uint32_t cp = ((b & 0x07) << 18) | ((byte_at(in, i + 1) & 0x3F) << 12) |
                    ((byte_at(in, i + 2) & 0x3F) << 6) | (byte_at(in, i + 3) & 0x3F);
      append_utf8_codepoint(out, cp >= 0x10000 && cp <= 0x10FFFF ? cp : kReplacementCharacter);
      i += 4;
    } else {
      append_utf8_codepoint(out, kReplacementCharacter);
      ++i;
    }
  }
}

}  // namespace keysweep::dex
