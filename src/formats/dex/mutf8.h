// DEX strings are "modified UTF-8" (MUTF-8): U+0000 is written as the two bytes C0 80, and a
// character above U+FFFF is written as its two UTF-16 surrogates, each as a 3-byte sequence.
// Rules and reporters want real UTF-8, so every DEX string is converted once, here.
#pragma once

#include <string>
#include <string_view>

namespace keysweep::dex {

// Converts MUTF-8 bytes (without the terminating NUL) to UTF-8. Never fails: a lone surrogate or
// a malformed byte becomes U+FFFD, so a damaged or hostile string still yields its readable parts.
std::string decode_mutf8(std::string_view in);
// The same, appended to `out`.
void append_mutf8_as_utf8(std::string& out, std::string_view in);

}  // namespace keysweep::dex
