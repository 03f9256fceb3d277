// Apple .strings files (Localizable.strings, InfoPlist.strings): `"key" = "value";` pairs with C
// comments, in UTF-16 with a BOM (Xcode's traditional encoding) or UTF-8. Compiled apps may ship
// them as binary plists instead; those are read by the plist path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::plist {

// UTF-16 (by BOM, or by the NUL pattern of ASCII text without one) converted to UTF-8; UTF-8 is
// returned without its BOM. Unpaired surrogates become U+FFFD.
std::string strings_text_to_utf8(std::string_view bytes);
// True for UTF-16 text (BOM or NUL pattern).
bool looks_like_utf16_text(std::string_view bytes);

struct StringsEntry {
  std::string key, value;
};

// The pairs in order. Stops with an error at the first thing that is not a pair (the entries read
// so far are discarded: a file that is not a .strings file is then scanned as plain text).
Result<std::vector<StringsEntry>> parse_strings_text(std::string_view utf8, uint64_t max_entries);

}  // namespace keysweep::plist
