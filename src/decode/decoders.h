// The decoders: each turns one encoded run of text back into the bytes it stands for, or says the
// run is not what it looked like (nullopt). Pure functions over a span, output never longer than
// the run (UTF-16: 1.5x), so a caller can budget before decoding. decode_pass.h chains them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keysweep::decode {

enum class Encoding : uint8_t {
  kBase64,   // standard (+/) or URL-safe (-_), padding optional
  kHex,      // 0-9a-f pairs
  kPercent,  // URL %XX
  kEscape,   // backslash escapes of JSON/Java/JS/Python/C: \uXXXX, \u{X..}, \xXX, \/
  kUtf16Le,  // a whole UTF-16 text file
  kUtf16Be,
  kUtf16LeRun,  // a run of UTF-16LE text inside a binary (a .NET or Windows resource string)
  kConcat,      // string literals joined by `+` ("AKIA" + "IOSF..."), read as one
};

// The name a finding reports: "base64", "hex", "percent", "escape", "utf16le" (a file or a run in
// a binary), "utf16be", "concat".
std::string_view encoding_name(Encoding e);

// A transcoding keeps every character where it was (lines, columns): positions map back exactly.
// The other decodings turn a run into different text: positions map back to the run's start.
inline bool is_transcoding(Encoding e) { return e == Encoding::kUtf16Le || e == Encoding::kUtf16Be; }

// `run`: base64 characters, then at most two '='. A run mixing the standard (+/) and URL-safe (-_)
// alphabets, or with anything else in it, is not base64. A dangling last character (length 4n+1,
// a truncated run) is ignored, so a cut-off run still yields what it holds.
std::optional<std::string> decode_base64(std::string_view run);

// `run`: hex digits only. An odd last digit (a truncated run) is ignored.
std::optional<std::string> decode_hex(std::string_view run);

// %XX becomes the byte XX; everything else (a '%' not followed by two hex digits, '+') stays as it
// is. nullopt when there is no %XX at all.
std::optional<std::string> decode_percent(std::string_view run);

// \uXXXX (surrogate pairs joined, lone halves become U+FFFD), \u{X...} (up to U+10FFFF), \xXX (a
// byte), \/ \" \' \\ \n \r \t. nullopt unless at least one \u, \x or \/ escape was decoded: text
// with only \n in it says nothing new.
std::optional<std::string> decode_escapes(std::string_view run);

// The UTF-8 of a UTF-16 text file: with a byte order mark, or without one when the first 512 bytes
// have a NUL in every other byte (ASCII-heavy UTF-16) and none in the others. `which` says the byte
// order, `skip` the length of the byte order mark. nullopt for anything else.
std::optional<std::string> decode_utf16_text(std::string_view bytes, Encoding* which, size_t* skip);

// At least 90% of the bytes are printable ASCII, tab, CR, LF or parts of valid UTF-8 sequences
// above U+007F. 15 random bytes (20 base64 characters) pass about once in 70,000 tries, 24 about
// once in ten million.
bool mostly_printable(std::string_view bytes);

}  // namespace keysweep::decode
