// ResStringPool: the string table of resources.arsc (global values, type names, key names) and of
// binary XML. Strings are UTF-16 (the aapt default) or UTF-8 (flag 0x100, aapt2's default), each
// with a 1-or-2-unit length prefix. Styles (spans) are ignored: they hold markup, not values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "formats/android_res/res_chunk.h"
#include "io/byte_reader.h"
#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::android_res {

class StringPool {
 public:
  StringPool() = default;

  // Parses the pool chunk at data[offset]. The chunk must lie in data[0, limit); a declared size
  // past `limit` is cut to it (with a note) since the strings before the cut are still good.
  static Result<StringPool> parse(std::string_view data, size_t offset, size_t limit,
                                  const Limits& limits, ParseNotes* notes);

  uint32_t size() const { return count_; }
  bool utf8() const { return utf8_; }
  // String `index` as UTF-8 (UTF-16 is converted; an unpaired surrogate becomes U+FFFD).
  Result<std::string> get(uint32_t index) const;
  // The same without a copy where none is needed: a view into the pool for UTF-8 strings that
  // need no repair, else the string decoded into `scratch` (the view is then into scratch).
  Result<std::string_view> get(uint32_t index, std::string& scratch) const;
  // The length of string `index` in UTF-16 units as the pool declares it (UTF-8 pools store it
  // too), read without decoding the string; nullopt when the index or prefix is unreadable.
  std::optional<uint32_t> units(uint32_t index) const;
  // Like get(), but "" for a missing or broken string; for names where a gap is not fatal.
  std::string get_or_empty(uint32_t index) const;

 private:
  // A reader over the string data at string `index`'s length prefix; fails for an index out of
  // range or an offset past the data.
  Result<ByteReader> seek_string(uint32_t index) const;

  // get() for a string whose offset, lengths and data all lie in bounds and need no repair, read
  // straight from the buffers (a resource table decodes a hundred thousand values, and a reader
  // and a Result per length read were a third of the time); nullopt sends get() to its checked
  // reads, which name the problem.
  std::optional<std::string_view> get_in_bounds(uint32_t index, std::string& scratch) const;
  // strings_ from where string `index` starts, when its offset entry and the offset are in bounds.
  std::optional<std::string_view> string_onwards(uint32_t index) const;

  std::string_view offsets_;  // u32 per string, relative to strings_
  std::string_view strings_;  // the string data, up to the styles or the end of the chunk
  uint32_t count_ = 0;
  bool utf8_ = false;
  size_t base_ = 0;  // file offset of strings_, for error messages
};

}  // namespace keysweep::android_res
