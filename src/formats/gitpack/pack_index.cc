#include "formats/gitpack/pack_index.h"

#include <algorithm>
#include <cstring>

#include "io/byte_reader.h"

namespace keysweep::gitpack {

namespace {
constexpr uint32_t kMagic = 0xff744f63;  // "\377tOc"
std::unexpected<Error> bad(std::string what, size_t offset) {
  return make_error(ErrorCode::kMalformed, "pack index: " + what, {}, offset);
}
}  // namespace

Result<PackIndex> PackIndex::parse(std::string_view bytes) {
  ByteReader r(bytes);
  auto magic = r.u32be();
  auto version = r.u32be();
  if (!magic || !version) return bad("shorter than its header", 0);
  if (*magic != kMagic) return bad("not a version 2 index (no \\377tOc magic)", 0);
  if (*version != 2) return bad("version " + std::to_string(*version) + ", only 2 is read", 4);
  PackIndex idx;
  uint32_t prev = 0;
  for (int i = 0; i < 256; ++i) {
    auto v = r.u32be();
    if (!v) return bad("fanout table cut short", r.pos());
    if (*v < prev) return bad("fanout table decreases at entry " + std::to_string(i), r.pos() - 4);
    idx.fanout_[i] = prev = *v;
  }
  const uint64_t n = prev;
  idx.count_ = prev;
  // ids (20 each), CRCs (4 each), 31-bit offsets (4 each), then 64-bit offsets, then two SHA-1s.
  const uint64_t fixed = r.pos() + n * 28 + 40;
  if (fixed > bytes.size())
    return bad(std::to_string(n) + " objects need " + std::to_string(fixed) + " bytes, file has " +
                   std::to_string(bytes.size()),
               r.pos());
  idx.ids_ = bytes.substr(r.pos(), n * 20);
  const size_t small_at = r.pos() + n * 24;
  const size_t large_at = small_at + n * 4;
  const uint64_t large_count = (bytes.size() - 40 - large_at) / 8;
  idx.small_offsets_ = bytes.substr(small_at, n * 4);
  idx.large_offsets_ = bytes.substr(large_at, large_count * 8);
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t v = *r.be_at<uint32_t>(small_at + i * 4);  // in range: checked against `fixed`
    if (!(v & 0x80000000u)) continue;
    uint64_t k = v & 0x7fffffffu;
    if (k >= large_count)
      return bad("object " + std::to_string(i) + " names 64-bit offset " + std::to_string(k) +
                     " of " + std::to_string(large_count),
                 small_at + i * 4);
  }
  for (uint64_t i = 1; i < n; ++i)
    if (std::memcmp(idx.id(i - 1), idx.id(i), 20) >= 0)
      return bad("object ids not in ascending order at entry " + std::to_string(i), 1032 + i * 20);
  return idx;
}

std::optional<uint32_t> PackIndex::find(const unsigned char* id) const {
  uint32_t lo = id[0] ? fanout_[id[0] - 1] : 0;
  uint32_t hi = fanout_[id[0]];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = std::memcmp(this->id(mid), id, 20);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return std::nullopt;
}

}  // namespace keysweep::gitpack
