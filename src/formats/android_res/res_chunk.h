// The "ResChunk" layer shared by resources.arsc and binary XML (AXML): every structure starts with
// a ResChunk_header {u16 type, u16 headerSize, u32 size}. Layout follows AOSP's
// frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h; all fields are little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::android_res {

enum ChunkType : uint16_t {
  kResNull = 0x0000,
  kResStringPool = 0x0001,
  kResTable = 0x0002,
  kResXml = 0x0003,
  kResXmlStartNamespace = 0x0100,
  kResXmlEndNamespace = 0x0101,
  kResXmlStartElement = 0x0102,
  kResXmlEndElement = 0x0103,
  kResXmlCdata = 0x0104,
  kResXmlResourceMap = 0x0180,
  kResTablePackage = 0x0200,
  kResTableType = 0x0201,
  kResTableTypeSpec = 0x0202,
};

// Res_value::dataType values this code looks at.
enum ValueType : uint8_t {
  kTypeNull = 0x00,
  kTypeReference = 0x01,
  kTypeString = 0x03,
  kTypeIntDec = 0x10,
  kTypeIntHex = 0x11,
};

constexpr uint32_t kNoIndex = 0xFFFFFFFFu;

struct ChunkHeader {
  size_t offset = 0;  // where the chunk starts in the buffer it was read from
  uint16_t type = 0;
  uint16_t header_size = 0;
  uint32_t size = 0;
  size_t end() const { return offset + size; }
  size_t body() const { return offset + header_size; }
};

// Reads the header at `offset` and checks that headerSize >= 8, size >= headerSize and that the
// chunk lies inside data[0, limit).
Result<ChunkHeader> read_chunk(std::string_view data, size_t offset, size_t limit);

// Non-fatal problems found while parsing (a bad entry among good ones). Capped so a hostile file
// cannot produce millions of messages; the count of dropped ones is kept.
class ParseNotes {
 public:
  void add(std::string message);
  const std::vector<std::string>& messages() const { return messages_; }
  uint64_t dropped() const { return dropped_; }

 private:
  std::vector<std::string> messages_;
  uint64_t dropped_ = 0;
};

std::string hex(uint64_t v);

}  // namespace keysweep::android_res
