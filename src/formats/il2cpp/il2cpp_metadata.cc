#include "formats/il2cpp/il2cpp_metadata.h"

#include <string>

#include "io/byte_reader.h"

namespace keysweep {

namespace {

// Byte offsets in the header of the (offset, size) pairs read here.
constexpr uint64_t kLiteralTable = 8, kLiteralData = 16, kDefaultValueData = 72;
constexpr uint64_t kHeaderBytesRead = 80;

Result<std::string_view> region(const ByteReader& r, uint64_t header_at, const char* what) {
  const uint32_t off = *r.le_at<uint32_t>(header_at), size = *r.le_at<uint32_t>(header_at + 4);
  auto v = r.view_at(off, size);
  if (!v)
    return make_error(ErrorCode::kMalformed,
                      std::string(what) + " (offset " + std::to_string(off) + ", " +
                          std::to_string(size) + " bytes) lies outside the file (" +
                          std::to_string(r.size()) + " bytes)",
                      {}, header_at);
  return *v;
}

// The newer version-31 layout: dataIndex only, non-decreasing from 0, within the data.
bool read_length_free(std::string_view table, std::string_view data, std::vector<std::string_view>& out) {
  ByteReader t(table);
  const uint64_t n = table.size() / 4;
  if (n == 0 || table.size() % 4) return false;
  std::vector<uint32_t> starts(n);
  for (uint64_t i = 0; i < n; ++i) {
    starts[i] = *t.le_at<uint32_t>(i * 4);
    if (starts[i] > data.size() || (i == 0 ? starts[0] != 0 : starts[i] < starts[i - 1])) return false;
  }
  out.clear();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t end = i + 1 < n ? starts[i + 1] : data.size();
    out.push_back(data.substr(starts[i], end - starts[i]));
  }
  return true;
}

}  // namespace

Result<Il2CppMetadata> parse_il2cpp_metadata(std::string_view bytes) {
  ByteReader r(bytes);
  auto sanity = r.le_at<uint32_t>(0);
  if (!sanity || *sanity != kIl2CppSanity)
    return make_error(ErrorCode::kMalformed, "not IL2CPP metadata (no 0xFAB11BAF sanity value)");
  if (bytes.size() < kHeaderBytesRead)
    return make_error(ErrorCode::kMalformed, "truncated IL2CPP metadata header: " +
                                                 std::to_string(bytes.size()) + " bytes");
  Il2CppMetadata md;
  md.version = static_cast<int32_t>(*r.le_at<uint32_t>(4));
  if (md.version < kIl2CppMinVersion || md.version > kIl2CppMaxVersion)
    return make_error(ErrorCode::kUnsupported,
                      "IL2CPP metadata version " + std::to_string(md.version) +
                          " is not supported (versions 24-31 are)",
                      {}, 4);
  auto table = region(r, kLiteralTable, "string literal table");
  if (!table) return std::unexpected(table.error());
  auto data = region(r, kLiteralData, "string literal data");
  if (!data) return std::unexpected(data.error());
  if (auto dv = region(r, kDefaultValueData, "default value data")) md.default_values = *dv;

  if (md.version == 31 && read_length_free(*table, *data, md.literals)) {
    md.length_free_literals = true;
    return md;
  }
  if (table->size() % 8)
    return make_error(ErrorCode::kMalformed, "string literal table size " +
                                                 std::to_string(table->size()) +
                                                 " is not a whole number of entries", {}, kLiteralTable);
  // The table lies inside the file, so its entry count is bounded by the file's size.
  ByteReader t(*table), d(*data);
  md.literals.reserve(table->size() / 8);
  for (uint64_t i = 0; i < table->size() / 8; ++i) {
    const uint32_t length = *t.le_at<uint32_t>(i * 8), index = *t.le_at<uint32_t>(i * 8 + 4);
    auto lit = d.view_at(index, length);
    if (!lit) ++md.bad_literals;
    md.literals.push_back(lit ? *lit : std::string_view());
  }
  return md;
}

}  // namespace keysweep
