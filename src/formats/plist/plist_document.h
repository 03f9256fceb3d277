// Property lists (XML and binary, as written by Xcode and plistutil) read with libplist and
// flattened into their text leaves, each with its key path: "NSAppTransportSecurity.
// NSExceptionDomains.example.com", "Keys[2]". libplist has no limits of its own (it frees trees
// recursively and expands binary references without bound), so the bytes are checked first:
// nesting depth and node count for both encodings, and every offset of a binary plist.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::plist {

struct PlistLimits {
  int max_depth = 64;              // dicts and arrays inside each other
  uint64_t max_nodes = 500'000;    // values in the whole tree, references expanded
  uint64_t max_text = 64ull << 20; // bytes of leaf text returned
};

struct PlistLeaf {
  enum class Kind { kString, kData, kDate };
  std::string path;   // "" for a plist whose root is a value
  std::string value;  // strings in UTF-8; data as stored; dates as "2027-01-31T12:00:00Z"
  Kind kind = Kind::kString;
};

// Data that reads as text (keys are sometimes stored as <data>): valid UTF-8 without controls
// other than tab and line breaks.
bool is_printable_text(std::string_view bytes);

bool is_binary_plist(std::string_view bytes);
// An XML plist: after an optional BOM and white space, an XML declaration, a plist DOCTYPE or a
// <plist> element, with "<plist" or "<!DOCTYPE plist" in the first kilobyte.
bool is_xml_plist(std::string_view bytes);

// The string, data and date leaves in document order (numbers and booleans hold no credential). An error says why the plist cannot be read; it never aborts.
Result<std::vector<PlistLeaf>> plist_leaves(std::string_view bytes, const PlistLimits& limits = {});

// Checks a binary plist's trailer, offset table and object graph (each reference in range, depth
// and expanded node count under the limits) so libplist only ever sees a well-formed shape.
Result<void> check_binary_plist(std::string_view bytes, const PlistLimits& limits);
// The deepest dict/array nesting of an XML plist, counted from its tags (comments and CDATA
// skipped), stopping as soon as it passes `max_depth`.
int xml_plist_depth(std::string_view bytes, int max_depth);

}  // namespace keysweep::plist
