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
  // Interpolation first: object ids are SHA-1s, spread evenly, so the id's next eight bytes say
  // about where in its fanout bucket it sits, and each probe's id narrows the guess (about
  // log2 log2 of the bucket's size probes, where halving makes log2: 14 in a bucket of three
  // million objects' index). The history scan looks up every tree entry's id, and far apart the
  // probes are each a cache miss on the id table (60 MB at three million objects; these lookups
  // were ~10% of that scan's CPU samples). A bucket of crafted ids that share their leading bytes
  // only ends the interpolation sooner: after a few probes it is a binary search.
  auto key = [](const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 1; i <= 8; ++i) v = v << 8 | p[i];
    return v;
  };
  const uint64_t k = key(id);
  uint64_t lo_key = 0, hi_key = UINT64_MAX;  // bounds of the ids in [lo, hi)
  for (int probes = 0; probes < 6 && hi - lo > 8; ++probes) {
    if (k < lo_key || k > hi_key || hi_key == lo_key) break;
    const unsigned __int128 span = static_cast<unsigned __int128>(hi_key - lo_key) + 1;
    uint32_t mid =
        lo + static_cast<uint32_t>(static_cast<unsigned __int128>(k - lo_key) * (hi - lo) / span);
    mid = std::min(mid, hi - 1);
    const int c = std::memcmp(this->id(mid), id, 20);
    if (c == 0) return mid;
    if (c < 0) {
      lo = mid + 1;
      lo_key = key(this->id(mid));
    } else {
      hi = mid;
      hi_key = key(this->id(mid));
    }
  }
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
