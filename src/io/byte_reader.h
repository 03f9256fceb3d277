// Bounds-checked reads over untrusted bytes, shared by every binary format parser.
// Every read returns Result: a short buffer becomes an error naming the offset, never UB.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

class ByteReader {
 public:
  explicit ByteReader(std::string_view data, size_t pos = 0) : data_(data), pos_(pos) {}

  size_t pos() const { return pos_; }
  size_t size() const { return data_.size(); }
  size_t remaining() const { return pos_ <= data_.size() ? data_.size() - pos_ : 0; }
  std::string_view data() const { return data_; }

  Result<void> seek(size_t pos) {
    if (pos > data_.size()) return oob(pos, 0);
    pos_ = pos;
    return {};
  }
  Result<void> skip(size_t n) {
    if (n > remaining()) return oob(pos_, n);
    pos_ += n;
    return {};
  }

  Result<uint8_t> u8() { return read_le<uint8_t>(); }
  Result<uint16_t> u16le() { return read_le<uint16_t>(); }
  Result<uint32_t> u32le() { return read_le<uint32_t>(); }
  Result<uint64_t> u64le() { return read_le<uint64_t>(); }
  Result<uint16_t> u16be() { return read_be<uint16_t>(); }
  Result<uint32_t> u32be() { return read_be<uint32_t>(); }
  Result<uint64_t> u64be() { return read_be<uint64_t>(); }

  // Unsigned LEB128 as used by DEX; at most 5 bytes for a 32-bit value.
  Result<uint32_t> uleb128() {
    uint32_t result = 0;
    for (int i = 0; i < 5; ++i) {
      if (pos_ >= data_.size()) return oob(pos_, 1);
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      result |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return result;
    }
    return make_error(ErrorCode::kMalformed, "uleb128 longer than 5 bytes", {}, pos_);
  }

  Result<std::string_view> bytes(size_t n) {
    if (n > remaining()) return oob(pos_, n);
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  // A view of [offset, offset+n) without moving; checked.
  Result<std::string_view> view_at(size_t offset, size_t n) const {
    if (offset > data_.size() || n > data_.size() - offset) return oob(offset, n);
    return data_.substr(offset, n);
  }

  template <class T>
  Result<T> le_at(size_t offset) const {
    if (offset > data_.size() || sizeof(T) > data_.size() - offset) return oob(offset, sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + offset, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
    return v;
  }
  template <class T>
  Result<T> be_at(size_t offset) const {
    if (offset > data_.size() || sizeof(T) > data_.size() - offset) return oob(offset, sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + offset, sizeof(T));
    if constexpr (std::endian::native == std::endian::little) v = std::byteswap(v);
    return v;
  }

 private:
  template <class T>
  Result<T> read_le() {
    auto v = le_at<T>(pos_);
    if (v) pos_ += sizeof(T);
    return v;
  }
  template <class T>
  Result<T> read_be() {
    auto v = be_at<T>(pos_);
    if (v) pos_ += sizeof(T);
    return v;
  }
  std::unexpected<Error> oob(size_t offset, size_t n) const {
    return make_error(ErrorCode::kMalformed,
                      "read of " + std::to_string(n) + " bytes past the end (size " +
                          std::to_string(data_.size()) + ")",
                      {}, offset);
  }

  std::string_view data_;
  size_t pos_;
};

// Multiplies or adds sizes read from a file without wrapping around.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

}  // namespace keysweep
