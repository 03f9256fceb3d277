#include "formats/zip/zip_archive.h"

#include <libdeflate.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

#include "core/secret.h"
#include "io/byte_reader.h"

namespace keysweep::zip {

namespace {

constexpr size_t kEndOfCentralDirSize = 22;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndRecordSize = 56;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr uint16_t kZip64ExtraId = 0x0001;

std::unexpected<Error> malformed(std::string message, uint64_t offset) {
  return make_error(ErrorCode::kMalformed, std::move(message), {}, offset);
}

bool sig_at(std::string_view data, uint64_t offset, uint32_t sig) {
  auto v = ByteReader(data).le_at<uint32_t>(offset);
  return v && *v == sig;
}

// One libdeflate decompressor per thread: extractors are shared by the pipeline's workers.
libdeflate_decompressor* decompressor() {
  struct Free {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
  };
  thread_local std::unique_ptr<libdeflate_decompressor, Free> d(libdeflate_alloc_decompressor());
  return d.get();
}

// The ZIP64 extended information extra field holds, in this order, only those of the four values
// whose 32/16-bit field in the fixed header is saturated.
void apply_zip64_extra(std::string_view extra, bool want_usize, bool want_csize, bool want_offset,
                       ZipEntry& e) {
  ByteReader r(extra);
  while (r.remaining() >= 4) {
    uint16_t id = *r.u16le();
    uint16_t len = *r.u16le();
    auto body = r.bytes(len);
    if (!body) return;
    if (id != kZip64ExtraId) continue;
    ByteReader z(*body);
    if (want_usize) {
      auto v = z.u64le();
      if (!v) return;
      e.uncompressed_size = *v;
    }
    if (want_csize) {
      auto v = z.u64le();
      if (!v) return;
      e.compressed_size = *v;
    }
    if (want_offset) {
      auto v = z.u64le();
      if (!v) return;
      e.local_header_offset = *v;
    }
    return;
  }
}

// Follows one end of central directory record candidate at `eocd` to a central directory.
Result<CentralDirectoryLocation> follow_end_record(std::string_view data, uint64_t eocd) {
  ByteReader r(data);
  (void)r.seek(eocd + 4);
  uint16_t disk = *r.u16le();
  uint16_t cd_disk = *r.u16le();
  (void)r.u16le();  // entries on this disk
  uint16_t entries16 = *r.u16le();
  uint32_t cd_size32 = *r.u32le();
  uint32_t cd_offset32 = *r.u32le();
  uint16_t comment_len = *r.u16le();
  (void)disk;
  (void)cd_disk;

  CentralDirectoryLocation loc;
  loc.declared_entries = entries16;
  loc.cd_size = cd_size32;
  uint64_t cd_offset = cd_offset32;
  uint64_t directory_end = eocd;  // the central directory ends where the next record starts

  // ZIP64: a locator right before the end record points to the ZIP64 end record. Writers put the
  // record right before the locator; the locator's offset is relative to the archive start, which
  // is not the file start when there is a prefix, so both places are tried.
  if (eocd >= kZip64LocatorSize && sig_at(data, eocd - kZip64LocatorSize, kZip64LocatorSig)) {
    uint64_t locator = eocd - kZip64LocatorSize;
    uint64_t record_offset = *ByteReader(data).le_at<uint64_t>(locator + 8);
    std::optional<uint64_t> record;
    if (record_offset < locator && sig_at(data, record_offset, kZip64EndRecordSig)) {
      record = record_offset;
    } else if (locator >= kZip64EndRecordSize &&
               sig_at(data, locator - kZip64EndRecordSize, kZip64EndRecordSig)) {
      record = locator - kZip64EndRecordSize;
    }
    if (!record) return malformed("ZIP64 locator points to no ZIP64 end record", locator);
    auto rec = ByteReader(data).view_at(*record, kZip64EndRecordSize);
    if (!rec) return malformed("ZIP64 end record is cut off", *record);
    ByteReader z(*rec);
    (void)z.skip(24);
    (void)z.u64le();  // entries on this disk
    loc.declared_entries = *z.u64le();
    loc.cd_size = *z.u64le();
    cd_offset = *z.u64le();
    loc.zip64 = true;
    directory_end = *record;
  }

  if (loc.cd_size > directory_end) return malformed("central directory larger than the file", eocd);
  uint64_t expected_start = directory_end - loc.cd_size;
  auto valid_start = [&](uint64_t start) {
    // An empty archive is only believed when the record ends the file exactly: "PK\5\6" and
    // zeros near the end of some other binary must not make it a zip (and hide its raw bytes).
    if (loc.cd_size == 0) {
      return start == expected_start && loc.declared_entries == 0 &&
             eocd + kEndOfCentralDirSize + comment_len == data.size();
    }
    return sig_at(data, start, kCentralHeaderSig);
  };
  // Usually the directory sits right before the end record and the difference from its stated
  // offset is a prefix (a self-extractor stub). When junk was inserted between the directory and
  // the end record instead, the stated offset is right as it is.
  if (cd_offset <= expected_start && valid_start(expected_start)) {
    loc.prefix = expected_start - cd_offset;
    loc.cd_start = expected_start;
    return loc;
  }
  uint64_t end = 0;
  if (checked_add(cd_offset, loc.cd_size, &end) && end <= eocd && loc.cd_size > 0 &&
      sig_at(data, cd_offset, kCentralHeaderSig)) {
    loc.prefix = 0;
    loc.cd_start = cd_offset;
    return loc;
  }
  return malformed("end of central directory record points to no central directory", eocd);
}

// The data descriptor after an entry whose sizes were unknown when its local header was written:
// [signature] crc32 compressed-size uncompressed-size, sizes 8 bytes each for ZIP64 entries.
// Returns the offset just past it.
std::optional<uint64_t> read_descriptor(std::string_view data, uint64_t at, bool zip64,
                                        ZipEntry& e) {
  ByteReader r(data);
  if (!r.seek(at)) return std::nullopt;
  if (sig_at(data, at, kDataDescriptorSig)) (void)r.skip(4);
  auto crc = r.u32le();
  if (!crc) return std::nullopt;
  e.crc32 = *crc;
  if (!r.skip(zip64 ? 16 : 8)) return std::nullopt;
  return r.pos();
}

// Measures a deflated entry whose compressed size is unknown by inflating it into a growing
// buffer; libdeflate reports how much input the stream used.
bool measure_deflated(std::string_view in, uint64_t max_size, uint32_t max_ratio, ZipEntry& e) {
  uint64_t by_ratio = 0;
  if (!checked_mul(in.size(), max_ratio, &by_ratio)) by_ratio = UINT64_MAX;
  max_size = std::min(max_size, std::max(by_ratio, kRatioCheckFloor));
  size_t cap = std::min<uint64_t>(256 << 10, max_size);
  std::string out;
  for (;;) {
    out.resize(cap);
    size_t in_used = 0, out_size = 0;
    auto r = libdeflate_deflate_decompress_ex(decompressor(), in.data(), in.size(), out.data(),
                                              cap, &in_used, &out_size);
    if (r == LIBDEFLATE_SUCCESS) {
      e.compressed_size = in_used;
      e.uncompressed_size = out_size;
      return true;
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE || cap >= max_size) return false;
    cap = std::min<uint64_t>(uint64_t{cap} * 2, max_size);
  }
}

// Measures a stored entry with unknown size: the first descriptor whose compressed size equals
// its distance from the data start.
bool measure_stored(std::string_view data, uint64_t start, ZipEntry& e) {
  const char sig[4] = {'P', 'K', 7, 8};
  for (size_t pos = start; pos + 16 <= data.size();) {
    auto hit = data.find(std::string_view(sig, 4), pos);
    if (hit == std::string_view::npos || hit + 16 > data.size()) return false;
    uint32_t size = *ByteReader(data).le_at<uint32_t>(hit + 8);
    if (size == hit - start) {
      e.compressed_size = e.uncompressed_size = size;
      return true;
    }
    pos = hit + 1;
  }
  return false;
}

}  // namespace

bool starts_with_local_header(std::string_view data) { return sig_at(data, 0, kLocalHeaderSig); }

Result<CentralDirectoryLocation> locate_central_directory(std::string_view data) {
  if (data.size() < kEndOfCentralDirSize) return malformed("too small for a zip archive", 0);
  uint64_t last = data.size() - kEndOfCentralDirSize;
  uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  std::optional<Error> first_error;
  // Latest record first: an archive stored inside another archive's comment must not win.
  // memrchr finds each candidate with SIMD: sniffing runs on every blob of a scan, and a
  // byte-at-a-time loop over the last 64 KiB of every text file showed up in profiles. It looks
  // for the signature's last byte, 0x06, which text never holds, rather than its 'P', which text
  // holds every few hundred bytes, each a stop and a signature check (1.8% of a source tree's
  // scan). A record at `pos` has its 0x06 at pos + 3: the same candidates, in the same order.
  constexpr uint64_t kLastSigByte = 3;
  for (uint64_t end = last + 1; end > first;) {
    const void* hit =
        memrchr(data.data() + first + kLastSigByte, kEndOfCentralDirSig >> 24, end - first);
    if (!hit) break;
    uint64_t pos =
        static_cast<uint64_t>(static_cast<const char*>(hit) - data.data()) - kLastSigByte;
    end = pos;
    if (!sig_at(data, pos, kEndOfCentralDirSig)) continue;
    auto loc = follow_end_record(data, pos);
    if (loc) return loc;
    if (!first_error) first_error = loc.error();
  }
  if (first_error) return std::unexpected(*first_error);
  return malformed("no end of central directory record (the archive is cut off?)", data.size());
}

namespace {

// Walks the central directory's records in order, as far as they are whole, calling
// `visit(header, name, extra)` (the fixed 46 bytes, the name, the extra field) until it returns
// true. Stops after `max_entries` records (`*hit_limit`) or at a record cut off or without its
// signature (`*broken` says which, and where). read_central_directory and any_central_name read
// the directory alike because both walk it here.
template <class Visit>
void walk_central_records(std::string_view data, const CentralDirectoryLocation& loc,
                          uint64_t max_entries, bool* hit_limit, std::string* broken,
                          Visit&& visit) {
  uint64_t cd_end = std::min<uint64_t>(loc.cd_start + loc.cd_size, data.size());
  ByteReader r(data.substr(0, cd_end), loc.cd_start);
  for (uint64_t records = 0; r.remaining() > 0; ++records) {
    uint64_t at = r.pos();
    if (records >= max_entries) {
      *hit_limit = true;
      return;
    }
    auto header = r.bytes(kCentralHeaderSize);
    if (!header || !sig_at(*header, 0, kCentralHeaderSig)) {
      *broken = "central directory record at offset " + std::to_string(at) +
                (header ? " has no signature" : " is cut off");
      return;
    }
    ByteReader h(*header, 28);
    uint16_t name_len = *h.u16le(), extra_len = *h.u16le(), comment_len = *h.u16le();
    auto name = r.bytes(name_len);
    auto extra = name ? r.bytes(extra_len) : name;
    auto comment = extra ? r.bytes(comment_len) : extra;
    if (!comment) {
      *broken = "central directory record at offset " + std::to_string(at) + " is cut off";
      return;
    }
    if (visit(*header, *name, *extra)) return;
  }
}

}  // namespace

CentralDirectory read_central_directory(std::string_view data, const CentralDirectoryLocation& loc,
                                        uint64_t max_entries) {
  CentralDirectory cd;
  walk_central_records(
      data, loc, max_entries, &cd.hit_entry_limit, &cd.incomplete_reason,
      [&](std::string_view header, std::string_view name, std::string_view extra) {
        ByteReader h(header, 8);
        ZipEntry e;
        e.flags = *h.u16le();
        e.method = *h.u16le();
        (void)h.skip(4);  // DOS time and date
        e.crc32 = *h.u32le();
        uint32_t csize = *h.u32le(), usize = *h.u32le();
        (void)h.skip(6 + 8);  // name, extra and comment lengths; disk and attributes
        uint32_t offset = *h.u32le();
        e.raw_name = std::string(name);
        e.compressed_size = csize;
        e.uncompressed_size = usize;
        e.local_header_offset = offset;
        apply_zip64_extra(extra, usize == UINT32_MAX, csize == UINT32_MAX, offset == UINT32_MAX, e);
        if (!checked_add(e.local_header_offset, loc.prefix, &e.local_header_offset)) {
          e.local_header_offset = UINT64_MAX;  // resolve_local_header reports it
        }
        cd.entries.push_back(std::move(e));
        return false;
      });
  if (cd.incomplete_reason.empty() && !cd.hit_entry_limit && loc.cd_start + loc.cd_size > data.size()) {
    cd.incomplete_reason = "central directory is cut off at the end of the file";
  }
  return cd;
}

bool any_central_name(std::string_view data, const CentralDirectoryLocation& loc,
                      uint64_t max_entries, const std::function<bool(std::string_view)>& accept) {
  bool found = false, hit_limit = false;
  std::string broken;
  walk_central_records(data, loc, max_entries, &hit_limit, &broken,
                       [&](std::string_view, std::string_view name, std::string_view) {
                         return found = accept(name);
                       });
  return found;
}

Result<void> resolve_local_header(std::string_view data, ZipEntry& e, std::string* mismatch) {
  ByteReader r(data);
  auto header = r.view_at(e.local_header_offset, kLocalHeaderSize);
  if (!header) {
    return malformed("local header is outside the file (size " + std::to_string(data.size()) + ")",
                     e.local_header_offset);
  }
  if (!sig_at(*header, 0, kLocalHeaderSig)) {
    return malformed("no local header where the central directory points", e.local_header_offset);
  }
  ByteReader h(*header, 8);
  uint16_t method = *h.u16le();
  (void)h.skip(16);
  uint16_t name_len = *h.u16le(), extra_len = *h.u16le();
  uint64_t name_at = e.local_header_offset + kLocalHeaderSize;
  auto name = r.view_at(name_at, name_len);
  uint64_t data_offset = name_at + name_len + extra_len;
  uint64_t data_end = 0;
  if (!name || !checked_add(data_offset, e.compressed_size, &data_end) || data_end > data.size()) {
    return malformed("entry data [" + std::to_string(data_offset) + ", " +
                         std::to_string(data_offset + e.compressed_size) +
                         ") is outside the file (size " + std::to_string(data.size()) + ")",
                     e.local_header_offset);
  }
  if (mismatch) {
    mismatch->clear();
    if (*name != e.raw_name) {
      *mismatch = "local header names it \"" + printable_entry_name(*name) + "\"";
    } else if (method != e.method) {
      *mismatch = "local header says compression method " + std::to_string(method) +
                  ", the central directory " + std::to_string(e.method);
    }
  }
  e.data_offset = data_offset;
  return {};
}

LocalWalk walk_local_headers(std::string_view data, uint64_t start, uint64_t max_entries,
                             uint64_t max_entry_size, uint32_t max_ratio) {
  LocalWalk walk;
  uint64_t pos = start;
  auto stop = [&](std::string reason) {
    walk.stop_offset = pos;
    walk.stop_reason = std::move(reason);
    return walk;
  };
  while (pos < data.size()) {
    if (sig_at(data, pos, kCentralHeaderSig) || sig_at(data, pos, kEndOfCentralDirSig)) break;
    if (!sig_at(data, pos, kLocalHeaderSig)) {
      return stop(pos + 4 > data.size() ? "local header is cut off" : "no local header here");
    }
    if (walk.entries.size() >= max_entries) {
      walk.hit_entry_limit = true;
      break;
    }
    ByteReader r(data, pos + 6);
    auto header = r.view_at(pos, kLocalHeaderSize);
    if (!header) return stop("local header is cut off");
    ZipEntry e;
    e.from_local_walk = true;
    e.local_header_offset = pos;
    ByteReader h(*header, 6);
    e.flags = *h.u16le();
    e.method = *h.u16le();
    (void)h.skip(4);
    e.crc32 = *h.u32le();
    uint32_t csize = *h.u32le(), usize = *h.u32le();
    uint16_t name_len = *h.u16le(), extra_len = *h.u16le();
    auto name = r.view_at(pos + kLocalHeaderSize, name_len);
    auto extra = r.view_at(pos + kLocalHeaderSize + name_len, extra_len);
    if (!name || !extra) return stop("local header is cut off");
    e.raw_name = std::string(*name);
    e.compressed_size = csize;
    e.uncompressed_size = usize;
    apply_zip64_extra(*extra, usize == UINT32_MAX, csize == UINT32_MAX, false, e);
    bool zip64 = usize == UINT32_MAX || csize == UINT32_MAX;
    e.data_offset = pos + kLocalHeaderSize + name_len + extra_len;
    bool has_descriptor = e.flags & kFlagDataDescriptor;
    if (has_descriptor && e.compressed_size == 0) {
      std::string_view rest = data.substr(e.data_offset);
      bool measured = e.method == kMethodDeflated ? measure_deflated(rest, max_entry_size, max_ratio, e)
                      : e.method == kMethodStored ? measure_stored(data, e.data_offset, e)
                                                  : false;
      if (!measured) {
        return stop("cannot find where entry \"" + printable_entry_name(e.raw_name) +
                    "\" ends (its sizes are in a data descriptor)");
      }
    }
    uint64_t data_end = 0;
    if (!checked_add(e.data_offset, e.compressed_size, &data_end) || data_end > data.size()) {
      return stop("entry \"" + printable_entry_name(e.raw_name) + "\" is cut off: its data needs " +
                  std::to_string(e.compressed_size) + " bytes, " +
                  std::to_string(data.size() - std::min<uint64_t>(e.data_offset, data.size())) +
                  " remain");
    }
    pos = data_end;
    if (has_descriptor) {
      uint32_t crc_from_header = e.crc32;
      auto next = read_descriptor(data, pos, zip64, e);
      if (!next) {
        e.crc32 = crc_from_header;
        walk.entries.push_back(std::move(e));
        return stop("data descriptor is cut off");
      }
      pos = *next;
    }
    walk.entries.push_back(std::move(e));
  }
  return walk;
}

InflateStatus inflate_exact(std::string_view in, size_t expected_size, std::string& out) {
  size_t produced = 0;
  libdeflate_result r = LIBDEFLATE_SUCCESS;
  // No zero-fill: libdeflate writes every byte it reports.
  out.resize_and_overwrite(expected_size, [&](char* buf, size_t n) {
    r = libdeflate_deflate_decompress_ex(decompressor(), in.data(), in.size(), buf, n, nullptr,
                                         &produced);
    return r == LIBDEFLATE_SUCCESS ? produced : 0;
  });
  switch (r) {
    case LIBDEFLATE_SUCCESS: return produced == expected_size ? InflateStatus::kOk : InflateStatus::kShort;
    case LIBDEFLATE_INSUFFICIENT_SPACE: return InflateStatus::kTooLong;
    default: return InflateStatus::kCorrupt;
  }
}

uint32_t crc32(std::string_view bytes) {
  return libdeflate_crc32(0, bytes.data(), bytes.size());
}

bool is_media_only(std::string_view name) {
  static constexpr std::string_view kMedia[] = {"png", "jpg", "jpeg", "gif", "webp", "mp3",
                                                "ogg", "mp4", "ttf", "otf", "woff", "woff2"};
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return false;
  std::string ext(name.substr(dot + 1));
  if (ext.size() > 5) return false;
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(std::begin(kMedia), std::end(kMedia), ext) != std::end(kMedia);
}

std::string printable_entry_name(std::string_view raw) {
  if (raw.empty()) return "(empty name)";
  return printable_name(raw);
}

Result<std::string> read_entry_data(std::string_view data, ZipEntry entry, uint64_t max_size,
                                    uint32_t max_ratio) {
  std::string mismatch;
  if (auto r = resolve_local_header(data, entry, &mismatch); !r) return std::unexpected(r.error());
  if (entry.flags & kFlagEncrypted) return make_error(ErrorCode::kUnsupported, "entry is encrypted");
  std::string_view stored = data.substr(entry.data_offset, entry.compressed_size);
  if (entry.method == kMethodStored) {
    if (stored.size() > max_size) return make_error(ErrorCode::kLimit, "entry over the size limit");
    return std::string(stored);
  }
  if (entry.method != kMethodDeflated)
    return make_error(ErrorCode::kUnsupported, "unsupported compression method " + std::to_string(entry.method));
  uint64_t ratio_limit = 0;
  if (entry.uncompressed_size > max_size ||
      (entry.uncompressed_size > kRatioCheckFloor &&
       (!checked_mul(entry.compressed_size, max_ratio, &ratio_limit) ||
        entry.uncompressed_size > ratio_limit)))
    return make_error(ErrorCode::kLimit, "entry over the size or compression-ratio limit");
  std::string out;
  if (inflate_exact(stored, static_cast<size_t>(entry.uncompressed_size), out) != InflateStatus::kOk)
    return make_error(ErrorCode::kMalformed, "entry does not inflate to its declared size");
  return out;
}

}  // namespace keysweep::zip
