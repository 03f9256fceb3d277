// ResStringPool: the string table of resources.arsc (global values, type names, key names) and of
// binary XML. Strings are UTF-16 (the aapt default) or UTF-8 (flag 0x100, aapt2's default), each
// with a 1-or-2-unit length prefix. Styles (spans) are ignored: they hold markup, not values.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/android_res/res_chunk.h"
#include "io/byte_reader.h"
#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::android_res {

// A prefetch (read, into every cache level) of the line holding `p`. GCC 12 drops
// __builtin_prefetch at -O2 when it sits behind a bounds check like StringPool::prefetch's
// (checked on the emitted code), so on x86 the instruction is written out.
inline void prefetch_line(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

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
  Result<std::string_view> get(uint32_t index, std::string& scratch) const {
    if (const std::string_view s = try_get(index, scratch); s.data() != nullptr) return s;
    return get_checked(index, scratch);
  }
  // get() for a string whose offset, lengths and data all lie in bounds and need no repair, read
  // straight from the buffers (a resource table decodes a hundred thousand values, and a reader
  // and a Result per length read were a third of the time); for any other string a view with a
  // null data() (never a real string's: those point into the pool or `scratch`), and get() says
  // what is wrong. A view comes back in registers, where GCC passed a Result<string_view> through
  // memory and each value waited on a store-forwarding stall.
  std::string_view try_get(uint32_t index, std::string& scratch) const;
  // The length of string `index` in UTF-16 units as the pool declares it (UTF-8 pools store it
  // too), read without decoding the string; nullopt when the index or prefix is unreadable.
  std::optional<uint32_t> units(uint32_t index) const;
  // Asks the CPU to start loading string `index` (its length prefix and first bytes) into the
  // cache, for a caller that knows which strings it will read next; nothing for a bad index.
  void prefetch(uint32_t index) const {
    if (const std::optional<std::string_view> rest = string_onwards(index))
      prefetch_line(rest->data());
  }
  // Like get(), but "" for a missing or broken string; for names where a gap is not fatal.
  std::string get_or_empty(uint32_t index) const;
  // One bit per string, set where units() is known and below `min_units`: a resource table asks
  // this of every value, and each value's length prefix lies at a random place of a pool of
  // megabytes, a cache miss per value. This reads the prefixes once in pool order (a stream the
  // hardware prefetches) into a bitmap of kilobytes. Indices past the pool are not short.
  class ShortStrings {
   public:
    bool contains(uint32_t index) const {
      return index / 64 < bits_.size() && (bits_[index / 64] >> (index % 64) & 1);
    }

   private:
    friend class StringPool;
    std::vector<uint64_t> bits_;
  };
  ShortStrings shorter_than(uint32_t min_units) const;

 private:
  // A reader over the string data at string `index`'s length prefix; fails for an index out of
  // range or an offset past the data.
  Result<ByteReader> seek_string(uint32_t index) const;

  // get() past try_get(): checked reads that name the problem, or the repair of a string.
  Result<std::string_view> get_checked(uint32_t index, std::string& scratch) const;
  // strings_ from where string `index` starts, when its offset entry and the offset are in bounds.
  // Inline: prefetch() runs it for every entry of a resource table, ahead of the read.
  std::optional<std::string_view> string_onwards(uint32_t index) const {
    if (index >= count_ || static_cast<size_t>(index) * 4 + 4 > offsets_.size())
      return std::nullopt;
    uint32_t off;
    std::memcpy(&off, offsets_.data() + static_cast<size_t>(index) * 4, 4);
    if constexpr (std::endian::native == std::endian::big) off = std::byteswap(off);
    if (off >= strings_.size()) return std::nullopt;
    return strings_.substr(off);
  }

  std::string_view offsets_;  // u32 per string, relative to strings_
  std::string_view strings_;  // the string data, up to the styles or the end of the chunk
  uint32_t count_ = 0;
  bool utf8_ = false;
  size_t base_ = 0;  // file offset of strings_, for error messages
};

}  // namespace keysweep::android_res
