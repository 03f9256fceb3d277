#include "decode/decoders.h"

#include <array>

#include "io/utf16.h"

namespace keysweep::decode {

namespace {

// 0-63 for both base64 alphabets, 64 for '=', 255 for anything else.
constexpr std::array<uint8_t, 256> kBase64Value = [] {
  std::array<uint8_t, 256> t{};
  t.fill(255);
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<uint8_t>(i);
    t['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(52 + i);
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  t['='] = 64;
  return t;
}();

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of `n` hex digits at `s[i]`, or -1.
int64_t hex_at(std::string_view s, size_t i, size_t n) {
  if (i + n > s.size()) return -1;
  int64_t v = 0;
  for (size_t k = 0; k < n; ++k) {
    int d = hex_value(s[i + k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// Length of the valid UTF-8 sequence starting at s[i] (lead byte >= 0x80), or 0.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  // Overlong three- and four-byte forms, surrogates and code points past U+10FFFF.
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
  if (c == 0xED && b(i + 1) > 0x9F) return 0;
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
  return n;
}

}  // namespace

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::kBase64: return "base64";
    case Encoding::kHex: return "hex";
    case Encoding::kPercent: return "percent";
    case Encoding::kEscape: return "escape";
    case Encoding::kUtf16Le:
    case Encoding::kUtf16LeRun: return "utf16le";
    case Encoding::kUtf16Be: return "utf16be";
    case Encoding::kConcat: return "concat";
  }
  return "unknown";
}

std::optional<std::string> decode_base64(std::string_view run) {
  size_t end = run.size();
  for (int pad = 0; pad < 2 && end > 0 && run[end - 1] == '='; ++pad) --end;
  bool standard = false, url_safe = false;
  uint32_t acc = 0;
  int bits = 0;
  std::string out;
  out.reserve(end * 3 / 4);
  for (size_t i = 0; i < end; ++i) {
    char c = run[i];
    uint8_t v = kBase64Value[static_cast<uint8_t>(c)];
    if (v > 63) return std::nullopt;  // '=' inside the run, or not base64 at all
    standard |= c == '+' || c == '/';
    url_safe |= c == '-' || c == '_';
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (standard && url_safe) return std::nullopt;
  if (end < run.size() && end % 4 == 1) return std::nullopt;  // padding after a dangling character
  return out;
}

std::optional<std::string> decode_hex(std::string_view run) {
  std::string out;
  out.reserve(run.size() / 2);
  for (size_t i = 0; i + 1 < run.size(); i += 2) {
    int hi = hex_value(run[i]), lo = hex_value(run[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
  }
  if (run.size() % 2 == 1 && hex_value(run.back()) < 0) return std::nullopt;
  return out;
}

std::optional<std::string> decode_percent(std::string_view run) {
  std::string out;
  out.reserve(run.size());
  bool decoded = false;
  // RFC 3986 2.4: a URI is split into its parts before they are decoded. In the authority of a
  // URI written out (after "://", up to the next '/', '?' or '#'), an escaped '@', ':' or '/' is
  // part of the user, password or host, so it stays escaped: decoding it would move the boundary
  // ("user:P%40ss@host" is not "user:P" at "ss@host"). URL rules read the password and decode it.
  bool in_authority = false;
  for (size_t i = 0; i < run.size(); ++i) {
    if (run.compare(i, 3, "://") == 0) {
      in_authority = true;
      out += "://";
      i += 2;
      continue;
    }
    if (in_authority && (run[i] == '/' || run[i] == '?' || run[i] == '#')) in_authority = false;
    int64_t v = run[i] == '%' ? hex_at(run, i + 1, 2) : -1;
    if (v < 0 || (in_authority && (v == '@' || v == ':' || v == '/'))) {
      out += run[i];
      continue;
    }
    out += static_cast<char>(v);
    decoded = true;
    i += 2;
  }
  if (!decoded) return std::nullopt;
  return out;
}

std::optional<std::string> decode_escapes(std::string_view run) {
  std::string out;
  out.reserve(run.size());
  bool decoded = false;
  for (size_t i = 0; i < run.size(); ++i) {
    if (run[i] != '\\' || i + 1 >= run.size()) {
      out += run[i];
      continue;
    }
    char e = run[i + 1];
    if (e == 'u' && i + 2 < run.size() && run[i + 2] == '{') {  // ES6 \u{1F511}
      size_t close = run.find('}', i + 3);
      int64_t cp = close != std::string_view::npos && close > i + 3 && close - (i + 3) <= 6
                       ? hex_at(run, i + 3, close - (i + 3))
                       : -1;
      if (cp >= 0 && cp <= 0x10FFFF) {
        append_utf8_codepoint(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : static_cast<uint32_t>(cp));
        decoded = true;
        i = close;
        continue;
      }
    } else if (e == 'u') {
      int64_t u = hex_at(run, i + 2, 4);
      if (u >= 0) {
        uint32_t cp = static_cast<uint32_t>(u);
        size_t used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 7 < run.size() && run[i + 6] == '\\' &&
            run[i + 7] == 'u') {
          int64_t lo = hex_at(run, i + 8, 4);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + static_cast<uint32_t>(lo - 0xDC00);
            used = 12;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        append_utf8_codepoint(out, cp);
        decoded = true;
        i += used - 1;
        continue;
      }
    } else if (e == 'x') {
      int64_t v = hex_at(run, i + 2, 2);
      if (v >= 0) {
        out += static_cast<char>(v);
        decoded = true;
        i += 3;
        continue;
      }
    }
    switch (e) {
      case '/': out += '/'; decoded = true; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '"': case '\'': case '\\': out += e; break;
      default: out += '\\'; out += e; break;  // not an escape this decoder knows: kept as written
    }
    ++i;
  }
  if (!decoded) return std::nullopt;
  return out;
}

std::optional<std::string> decode_utf16_text(std::string_view bytes, Encoding* which, size_t* skip) {
  auto layout = detect_utf16_text(bytes);
  if (!layout) return std::nullopt;
  const Encoding enc = layout->big_endian ? Encoding::kUtf16Be : Encoding::kUtf16Le;
  const size_t bom = layout->bom;
  std::string_view body = bytes.substr(bom);
  std::string out = utf16_to_utf8(body, layout->big_endian);
  if (which) *which = enc;
  if (skip) *skip = bom;
  return out;
}

bool mostly_printable(std::string_view s) {
  if (s.empty()) return false;
  size_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (size_t n = c >= 0x80 ? utf8_sequence_length(s, i) : 0) {
      i += n;
    } else {
      ++bad;
      ++i;
    }
  }
  return bad * 10 <= s.size();
}

}  // namespace keysweep::decode
