#include "formats/android_res/res_chunk.h"

#include <cstdio>

#include "io/byte_reader.h"

namespace keysweep::android_res {

Result<ChunkHeader> read_chunk(std::string_view data, size_t offset, size_t limit) {
  if (limit > data.size()) limit = data.size();
  ByteReader r(data.substr(0, limit));
  ChunkHeader h;
  h.offset = offset;
  auto type = r.le_at<uint16_t>(offset);
  auto hsize = r.le_at<uint16_t>(offset + 2);
  auto size = r.le_at<uint32_t>(offset + 4);
  if (!type || !hsize || !size) {
    return make_error(ErrorCode::kMalformed, "chunk header cut short", {}, offset);
  }
  h.type = *type;
  h.header_size = *hsize;
  h.size = *size;
  if (h.header_size < 8 || h.size < h.header_size) {
    return make_error(ErrorCode::kMalformed,
                      "chunk type " + hex(h.type) + " has header size " +
                          std::to_string(h.header_size) + " and size " + std::to_string(h.size),
                      {}, offset);
  }
  if (h.size > limit - offset) {
    return make_error(ErrorCode::kMalformed,
                      "chunk type " + hex(h.type) + " of " + std::to_string(h.size) +
                          " bytes runs past its container (" + std::to_string(limit - offset) +
                          " bytes left)",
                      {}, offset);
  }
  return h;
}

void ParseNotes::add(std::string message) {
  constexpr size_t kMaxNotes = 32;
  if (messages_.size() < kMaxNotes) {
    messages_.push_back(std::move(message));
  } else {
    ++dropped_;
  }
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace keysweep::android_res
