// Shape checks run before libplist sees the bytes. The binary format (CoreFoundation's
// CFBinaryPList.c): "bplist00", objects, an offset table, and a 32-byte trailer giving the
// offset and reference sizes, the object count, the root object and where the offset table is.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "formats/plist/plist_document.h"
#include "io/byte_reader.h"

namespace keysweep::plist {

namespace {

Error bad(std::string why, uint64_t offset) {
  return Error{ErrorCode::kMalformed, "binary plist: " + std::move(why), {}, offset};
}

// Reads a big-endian unsigned integer of `width` bytes (1..8).
Result<uint64_t> read_be(const ByteReader& r, uint64_t off, unsigned width) {
  auto v = r.view_at(off, width);
  if (!v) return std::unexpected(bad("integer runs past the end", off));
  uint64_t x = 0;
  for (char c : *v) x = (x << 8) | static_cast<uint8_t>(c);
  return x;
}

class BinaryPlistChecker {
 public:
  BinaryPlistChecker(std::string_view data, const PlistLimits& limits)
      : r_(data), size_(data.size()), limits_(limits) {}

  Result<void> run() {
    if (size_ < 8 + 1 + 32) return std::unexpected(bad("shorter than header and trailer", 0));
    const uint64_t t = size_ - 32;
    offset_size_ = static_cast<uint8_t>(r_.data()[t + 6]);
    ref_size_ = static_cast<uint8_t>(r_.data()[t + 7]);
    if (offset_size_ < 1 || offset_size_ > 8) return std::unexpected(bad("offset size is not 1..8", t + 6));
    if (ref_size_ < 1 || ref_size_ > 8) return std::unexpected(bad("reference size is not 1..8", t + 7));
    auto count = read_be(r_, t + 8, 8), top = read_be(r_, t + 16, 8), table = read_be(r_, t + 24, 8);
    if (!count || !top || !table) return std::unexpected(bad("truncated trailer", t));
    count_ = *count;
    // Every object takes at least one byte, so more objects than bytes is a lie.
    if (count_ == 0 || count_ > size_) return std::unexpected(bad("object count " + std::to_string(count_) + " does not fit the file", t + 8));
    if (*top >= count_) return std::unexpected(bad("root object is not in the offset table", t + 16));
    uint64_t table_bytes = count_ * offset_size_;  // count_ <= size_, no overflow
    if (*table < 9 || *table > t || table_bytes > t - *table)
      return std::unexpected(bad("offset table lies outside the file", t + 24));
    table_ = *table;
    return walk(*top);
  }

 private:
  Result<uint64_t> object_offset(uint64_t index) const {
    auto off = read_be(r_, table_ + index * offset_size_, offset_size_);
    if (!off) return off;
    if (*off < 8 || *off >= table_) return std::unexpected(bad("object " + std::to_string(index) + " offset is outside the object area", table_ + index * offset_size_));
    return off;
  }

  // The element count of a data, string or container object at `off`; `pos` is set past it.
  Result<uint64_t> length_of(uint64_t off, uint8_t info, uint64_t& pos) const {
    pos = off + 1;
    if (info != 0xF) return info;
    auto m = r_.view_at(pos, 1);
    if (!m) return std::unexpected(bad("length marker runs past the end", pos));
    uint8_t marker = static_cast<uint8_t>((*m)[0]);
    if ((marker >> 4) != 0x1 || (marker & 0xF) > 3) return std::unexpected(bad("bad length marker", pos));
    unsigned width = 1u << (marker & 0xF);
    auto n = read_be(r_, pos + 1, width);
    if (!n) return n;
    pos += 1 + width;
    return n;
  }

  Result<void> need(uint64_t pos, uint64_t count, uint64_t unit, uint64_t at) const {
    uint64_t bytes = 0;
    if (!checked_mul(count, unit, &bytes) || pos > size_ || bytes > size_ - pos)
      return std::unexpected(bad("object runs past the end", at));
    return {};
  }

  // `count` characters at `pos`, already checked to lie in the file.
  bool key_free_of_nul(uint64_t pos, uint64_t count, bool utf16) const {
    std::string_view chars = r_.data().substr(pos, utf16 ? count * 2 : count);
    if (!utf16) return chars.find('\0') == std::string_view::npos;
    for (size_t i = 0; i + 1 < chars.size(); i += 2)
      if (chars[i] == '\0' && chars[i + 1] == '\0') return false;
    return true;
  }

  Result<void> walk(uint64_t root) {
    // libplist asserts (aborting the process) when a dict key is not a string or holds a NUL:
    // keys are checked here for both.
    struct Item { uint64_t index; int depth; bool is_key; };
    std::vector<Item> stack{{root, 0, false}};
    uint64_t visits = 0;
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      // A reference cycle nests forever, so the depth check also ends cycles.
      if (it.depth > limits_.max_depth)
        return std::unexpected(bad("nesting deeper than " + std::to_string(limits_.max_depth) + " (or a reference cycle)", 0));
      if (++visits > limits_.max_nodes)
        return std::unexpected(bad("more than " + std::to_string(limits_.max_nodes) + " values with references expanded", 0));
      auto off = object_offset(it.index);
      if (!off) return std::unexpected(off.error());
      uint8_t marker = static_cast<uint8_t>(r_.data()[*off]);
      uint8_t type = marker >> 4, info = marker & 0xF;
      uint64_t pos = 0;
      if (it.is_key && type != 0x5 && type != 0x6)
        return std::unexpected(bad("dict key is not a string", *off));
      switch (type) {
        case 0x0:  // null, booleans, fill
          if (info != 0x0 && info != 0x8 && info != 0x9 && info != 0xF) return std::unexpected(bad("unknown simple value", *off));
          break;
        case 0x1:  // integer of 2^info bytes
        case 0x2:  // real of 2^info bytes
          if (info > 4) return std::unexpected(bad("bad number width", *off));
          if (auto n = need(*off + 1, 1u << info, 1, *off); !n) return n;
          break;
        case 0x3:  // date: a float64
          if (auto n = need(*off + 1, 8, 1, *off); !n) return n;
          break;
        case 0x8:  // UID of info+1 bytes
          if (auto n = need(*off + 1, info + 1u, 1, *off); !n) return n;
          break;
        case 0x4: case 0x5: case 0x6: {  // data, ASCII string, UTF-16BE string
          auto len = length_of(*off, info, pos);
          if (!len) return std::unexpected(len.error());
          if (auto n = need(pos, *len, type == 0x6 ? 2 : 1, *off); !n) return n;
          if (it.is_key && !key_free_of_nul(pos, *len, type == 0x6))
            return std::unexpected(bad("dict key holds a NUL character", *off));
          break;
        }
        case 0xA: case 0xC: case 0xD: {  // array, set, dict (keys then values)
          auto len = length_of(*off, info, pos);
          if (!len) return std::unexpected(len.error());
          uint64_t refs = *len;
          if (type == 0xD && !checked_mul(refs, uint64_t{2}, &refs)) return std::unexpected(bad("dict too large", *off));
          if (auto n = need(pos, refs, ref_size_, *off); !n) return n;
          if (refs > limits_.max_nodes) return std::unexpected(bad("container holds more than " + std::to_string(limits_.max_nodes) + " values", *off));
          for (uint64_t i = 0; i < refs; ++i) {
            auto ref = read_be(r_, pos + i * ref_size_, ref_size_);
            if (!ref) return std::unexpected(ref.error());
            if (*ref >= count_) return std::unexpected(bad("reference " + std::to_string(*ref) + " is past the object count", pos + i * ref_size_));
            // Everything on the stack will be visited: refuse as soon as it cannot fit the budget.
            if (visits + stack.size() >= limits_.max_nodes)
              return std::unexpected(bad("more than " + std::to_string(limits_.max_nodes) + " values with references expanded", *off));
            stack.push_back({*ref, it.depth + 1, type == 0xD && i < *len});
          }
          break;
        }
        default:
          return std::unexpected(bad("unknown object type " + std::to_string(type), *off));
      }
    }
    return {};
  }

  ByteReader r_;
  uint64_t size_;
  const PlistLimits& limits_;
  uint8_t offset_size_ = 0, ref_size_ = 0;
  uint64_t count_ = 0, table_ = 0;
};

bool starts_at(std::string_view s, size_t i, std::string_view prefix) {
  return s.size() - i >= prefix.size() && s.compare(i, prefix.size(), prefix) == 0;
}

}  // namespace

Result<void> check_binary_plist(std::string_view bytes, const PlistLimits& limits) {
  if (!is_binary_plist(bytes)) return std::unexpected(bad("no bplist00 header", 0));
  return BinaryPlistChecker(bytes, limits).run();
}

int xml_plist_depth(std::string_view s, int max_depth) {
  int depth = 0, deepest = 0;
  for (size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
    if (starts_at(s, i, "<!--")) {
      i = s.find("-->", i + 4);
    } else if (starts_at(s, i, "<![CDATA[")) {
      i = s.find("]]>", i + 9);
    } else if (starts_at(s, i, "</array") || starts_at(s, i, "</dict")) {
      if (depth > 0) --depth;
    } else if (starts_at(s, i, "<array") || starts_at(s, i, "<dict")) {
      size_t close = s.find('>', i);
      if (close == std::string_view::npos) break;
      if (s[close - 1] == '/') continue;  // <array/>: empty, opens nothing
      deepest = std::max(deepest, ++depth);
      if (deepest > max_depth) break;
    }
    if (i == std::string_view::npos) break;
  }
  return deepest;
}

}  // namespace keysweep::plist
