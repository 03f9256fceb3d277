// The zip container as it sits on disk (PKWARE APPNOTE 6.3): end of central directory record,
// ZIP64 locator and record, central directory entries, local headers. This layer only reads
// structure and inflates; limits, entry selection and emitting children live in zip_extractor.cc.
// Offsets and sizes in the structs below are absolute positions in the Blob (the prefix of a
// self-extracting archive already added).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::zip {

inline constexpr uint32_t kLocalHeaderSig = 0x04034b50;       // PK\3\4
inline constexpr uint32_t kCentralHeaderSig = 0x02014b50;     // PK\1\2
inline constexpr uint32_t kEndOfCentralDirSig = 0x06054b50;   // PK\5\6
inline constexpr uint32_t kZip64EndRecordSig = 0x06064b50;    // PK\6\6
inline constexpr uint32_t kZip64LocatorSig = 0x07064b50;      // PK\6\7
inline constexpr uint32_t kDataDescriptorSig = 0x08074b50;    // PK\7\8
inline constexpr uint16_t kFlagEncrypted = 0x0001;
inline constexpr uint16_t kFlagDataDescriptor = 0x0008;
inline constexpr uint16_t kMethodStored = 0;
inline constexpr uint16_t kMethodDeflated = 8;

struct ZipEntry {
  std::string raw_name;  // the bytes as stored: may hold "../", NUL, invalid UTF-8
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // set once the local header has been read
  bool from_local_walk = false;
};

// Where the central directory is, as the end records say.
struct CentralDirectoryLocation {
  uint64_t cd_start = 0;
  uint64_t cd_size = 0;
  uint64_t declared_entries = 0;
  uint64_t prefix = 0;  // bytes before the archive proper (self-extractor stub); added to offsets
  bool zip64 = false;
};

// True when the bytes start with a local file header.
bool starts_with_local_header(std::string_view data);

// Finds the end of central directory record (searching the last 64 KiB + 22 bytes, because of the
// archive comment) and follows it, and the ZIP64 locator when there is one, to a central directory
// that starts with its signature. An error when there is no such record or it points nowhere.
Result<CentralDirectoryLocation> locate_central_directory(std::string_view data);

struct CentralDirectory {
  std::vector<ZipEntry> entries;
  bool hit_entry_limit = false;
  // Set when the directory ends early (cut off, or a record without its signature): the entries
  // read so far are kept and the caller may look for the rest by walking local headers.
  std::string incomplete_reason;
};

CentralDirectory read_central_directory(std::string_view data, const CentralDirectoryLocation& loc,
                                        uint64_t max_entries);

// Whether a record of the central directory, read as read_central_directory reads it (at most
// `max_entries`, stopping where it stops), has a name `accept` says yes to. No entry is built:
// the APK and IPA sniffers ask this of every zip, and copying every name was most of their cost.
bool any_central_name(std::string_view data, const CentralDirectoryLocation& loc,
                      uint64_t max_entries, const std::function<bool(std::string_view)>& accept);

// Reads the local header an entry points to and sets `entry.data_offset`. An error when the
// header or the entry's data lies outside the file. `mismatch` receives a note when the local
// header disagrees with the central directory (name or method); the central directory wins, as in
// Android's package manager.
Result<void> resolve_local_header(std::string_view data, ZipEntry& entry, std::string* mismatch);

// What a walk over local headers found, for archives without a usable central directory
// (truncated downloads, damaged directories).
struct LocalWalk {
  std::vector<ZipEntry> entries;
  bool hit_entry_limit = false;
  uint64_t stop_offset = 0;
  std::string stop_reason;  // empty when the walk ended at the central directory or end of data
};

// Below this expanded size the compression ratio is not checked: a 64 KiB run of zeros deflates
// a thousandfold and harms no one. Bombs need volume, and volume is capped by the entry-size and
// total-expansion limits anyway.
inline constexpr uint64_t kRatioCheckFloor = 1 << 20;

// Walks consecutive local headers from `start`. Entries whose sizes are only in a data descriptor
// (bit 3) are measured by inflating them or, when stored, by finding a descriptor whose size
// matches. The measuring output is capped at `max_entry_size` and at `max_ratio` times the bytes
// left in the file, so a bomb cannot make the walk allocate. Stops at the first header or entry
// that is cut off.
LocalWalk walk_local_headers(std::string_view data, uint64_t start, uint64_t max_entries,
                             uint64_t max_entry_size, uint32_t max_ratio);

enum class InflateStatus {
  kOk,             // exactly the expected size
  kShort,          // the stream ended early: `out` holds what it gave
  kTooLong,        // the stream holds more than the expected size
  kCorrupt,        // not a valid deflate stream
};

// Inflates a raw deflate stream into `out`, sized to `expected_size`: the size from the central
// directory bounds the allocation, so a lying header cannot make it grow.
InflateStatus inflate_exact(std::string_view in, size_t expected_size, std::string& out);

uint32_t crc32(std::string_view bytes);

// The expanded bytes of one entry (stored or deflated), for formats that must read a few named
// entries before the archive is extracted (an IPA's Info.plist). An error unless the whole entry,
// at most `max_size` bytes and at most `max_ratio` times its compressed size, inflates to its
// declared size.
Result<std::string> read_entry_data(std::string_view data, ZipEntry entry, uint64_t max_size,
                                    uint32_t max_ratio);

// Whether an entry named `name` is media that holds no text worth scanning (compressed pixels,
// audio, video, glyph outlines: .png .jpg .jpeg .gif .webp .mp3 .ogg .mp4 .ttf .otf .woff .woff2,
// any case). An APK carries thousands; anything that could hold a string (SVG, JSON, XML, .so,
// .dex, unknown names) is not media.
bool is_media_only(std::string_view name);

// An entry name made safe to print in a provenance chain (core/secret.h printable_name; an empty
// name is said as such). Nothing is written to disk, so "../" and absolute names stay as they are:
// they are labels only.
std::string printable_entry_name(std::string_view raw);

}  // namespace keysweep::zip
