#include "formats/gitpack/git_delta.h"

#include <cstring>

namespace keysweep::gitpack {

namespace {

std::unexpected<Error> bad(std::string what, size_t offset) {
  return make_error(ErrorCode::kMalformed, "delta: " + what, {}, offset);
}

bool varint(std::string_view d, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= d.size()) return false;
    uint8_t b = static_cast<uint8_t>(d[pos++]);
    out |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

Result<DeltaSizes> read_delta_sizes(std::string_view delta) {
  DeltaSizes s;
  size_t pos = 0;
  if (!varint(delta, pos, s.base)) return bad("base size cut short or too long", pos);
  if (!varint(delta, pos, s.result)) return bad("result size cut short or too long", pos);
  s.header_bytes = pos;
  return s;
}

Result<void> apply_delta(std::string_view base, std::string_view delta, uint64_t max_result,
                         std::string& out) {
  auto sizes = read_delta_sizes(delta);
  if (!sizes) return std::unexpected(sizes.error());
  if (sizes->base != base.size())
    return bad("made for a base of " + std::to_string(sizes->base) + " bytes, base has " +
                   std::to_string(base.size()),
               0);
  if (sizes->result > max_result)
    return bad("result of " + std::to_string(sizes->result) + " bytes is over the limit of " +
                   std::to_string(max_result),
               0);
  // A copy op is at most 8 bytes for 16 MiB of output, an insert 1 byte per byte: a result far
  // larger than that is a lie that must not become an allocation.
  if (sizes->result / (1 << 21) > delta.size())
    return bad("declares " + std::to_string(sizes->result) + " bytes from " +
                   std::to_string(delta.size()) + " delta bytes",
               0);
  out.resize(sizes->result);
  char* dst = out.data();
  const uint64_t total = sizes->result;
  uint64_t written = 0;
  size_t pos = sizes->header_bytes;
  const size_t n = delta.size();
  const unsigned char* d = reinterpret_cast<const unsigned char*>(delta.data());
  while (pos < n) {
    const size_t op_at = pos;
    unsigned char op = d[pos++];
    if (op & 0x80) {
      uint64_t off = 0, len = 0;
      for (int i = 0; i < 4; ++i)
        if (op & (1u << i)) {
          if (pos >= n) return bad("copy op cut short", op_at);
          off |= uint64_t{d[pos++]} << (8 * i);
        }
      for (int i = 0; i < 3; ++i)
        if (op & (0x10u << i)) {
          if (pos >= n) return bad("copy op cut short", op_at);
          len |= uint64_t{d[pos++]} << (8 * i);
        }
      if (len == 0) len = 0x10000;
      if (off > base.size() || len > base.size() - off)
        return bad("copies " + std::to_string(len) + " bytes at " + std::to_string(off) +
                       " from a base of " + std::to_string(base.size()),
                   op_at);
      if (len > total - written) return bad("writes past the declared result size", op_at);
      std::memcpy(dst + written, base.data() + off, len);
      written += len;
    } else if (op) {
      if (op > n - pos) return bad("insert op cut short", op_at);
      if (op > total - written) return bad("writes past the declared result size", op_at);
      std::memcpy(dst + written, d + pos, op);
      pos += op;
      written += op;
    } else {
      return bad("reserved op 0", op_at);
    }
  }
  if (written != total)
    return bad("result has " + std::to_string(written) + " bytes, declared " + std::to_string(total),
               pos);
  return {};
}

}  // namespace keysweep::gitpack
