#include "formats/zip/zip_extractor.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "formats/zip/zip_archive.h"
#include "io/byte_reader.h"

namespace keysweep {

namespace {

using zip::ZipEntry;

constexpr size_t kMaxEntryDiagnostics = 50;

bool is_directory(const ZipEntry& e) {
  return !e.raw_name.empty() && e.raw_name.back() == '/' && e.uncompressed_size == 0 &&
         e.compressed_size <= 2;  // an empty deflate stream is 2 bytes
}

// Entries whose data is never read: directories, and media (zip::is_media_only).
bool never_read(const ZipEntry& e) { return is_directory(e) || zip::is_media_only(e.raw_name); }

class ArchiveReader {
 public:
  ArchiveReader(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit, InflatedEntry* inflated,
                zip::CentralDirectory* directory)
      : blob_(blob), ctx_(ctx), emit_(emit), data_(blob.bytes()), path_(blob.display_path()),
        inflated_(inflated), directory_(directory) {
    expanded_ = ctx.expanded_bytes ? ctx.expanded_bytes : &local_expanded_;
  }

  Result<void> run() {
    auto loc = zip::locate_central_directory(data_);
    bool walk = false;
    uint64_t walk_start = 0;
    if (loc) {
      zip::CentralDirectory cd = directory_ ? std::move(*directory_)
                                            : zip::read_central_directory(data_, *loc, ctx_.limits.max_entries);
      entries_ = std::move(cd.entries);
      if (cd.hit_entry_limit) warn_entry_limit();
      if (!cd.incomplete_reason.empty()) {
        walk = true;
        walk_start = loc->prefix;
        walk_reason_ = cd.incomplete_reason;
      }
      if (loc->prefix > 0) emit_prefix(loc->prefix);
    } else if (zip::starts_with_local_header(data_)) {
      walk = true;
      walk_reason_ = loc.error().message;
    } else {
      return std::unexpected(loc.error());
    }

    resolve_central_entries();
    if (walk) add_walked_entries(walk_start);
    bool readable = std::any_of(skip_.begin(), skip_.end(), [](bool s) { return !s; });
    if (!readable && (walk || !entries_.empty())) {
      // Nothing readable: let the pipeline scan the raw bytes instead.
      return make_error(ErrorCode::kMalformed, "zip archive with no readable entry");
    }
    skip_overlapping_entries();
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (skip_[i] || never_read_[i]) continue;
      if (!extract_entry(entries_[i])) break;
    }
    report_suppressed();
    return {};
  }

 private:
  std::string entry_path(const ZipEntry& e) const {
    return path_ + "!" + zip::printable_entry_name(e.raw_name);
  }
  // Entry problems are reported one by one up to a cap, then counted: an archive of 100,000
  // overlapping entries must not print 100,000 lines.
  void warn(DiagnosticKind kind, const ZipEntry& e, std::string reason) {
    if (++entry_problems_ > kMaxEntryDiagnostics) return;
    ctx_.diagnostics.warn(kind, entry_path(e), std::move(reason));
  }
  void report_suppressed() {
    if (entry_problems_ <= kMaxEntryDiagnostics) return;
    ctx_.diagnostics.warn(DiagnosticKind::kMalformed, path_,
                          std::to_string(entry_problems_ - kMaxEntryDiagnostics) +
                              " more problems with entries not shown");
  }

  void warn_entry_limit() {
    ctx_.diagnostics.warn(DiagnosticKind::kLimit, path_,
                          "more than " + std::to_string(ctx_.limits.max_entries) +
                              " entries; only the first " +
                              std::to_string(ctx_.limits.max_entries) + " were read");
  }

  // Bytes before the archive proper (a self-extractor stub, or a binary with a zip appended) are
  // not part of any entry; as their own child they are still sniffed and scanned.
  void emit_prefix(uint64_t prefix) {
    emit_(blob_.child_view("(bytes before the zip archive)", data_.substr(0, prefix)));
  }

  // Entries never read (directories, media) are not resolved: their local headers lie all over
  // an APK of thousands of PNGs, one page touched each, for data nobody reads. Nor do they take
  // part in the overlap check, which guards only what is inflated.
  void resolve_central_entries() {
    skip_.assign(entries_.size(), false);
    never_read_.assign(entries_.size(), false);
    std::string mismatch;
    for (size_t i = 0; i < entries_.size(); ++i) {
      ZipEntry& e = entries_[i];
      if (never_read(e)) {
        never_read_[i] = true;
        continue;
      }
      auto r = zip::resolve_local_header(data_, e, &mismatch);
      if (!r) {
        warn(DiagnosticKind::kMalformed, e,
             "skipped: at offset " + std::to_string(r.error().offset.value_or(0)) + ": " +
                 r.error().message);
        skip_[i] = true;
      } else if (!mismatch.empty()) {
        warn(DiagnosticKind::kMalformed, e,
             mismatch + "; the central directory's entry is used");
      }
    }
  }

  // A truncated download or a damaged directory: recover what the local headers still describe.
  void add_walked_entries(uint64_t start) {
    std::unordered_set<uint64_t> known;
    for (const ZipEntry& e : entries_) known.insert(e.local_header_offset);
    zip::LocalWalk w = zip::walk_local_headers(data_, start, ctx_.limits.max_entries,
                                               ctx_.limits.max_entry_size,
                                               ctx_.limits.max_compression_ratio);
    size_t added = 0;
    for (ZipEntry& e : w.entries) {
      if (known.count(e.local_header_offset)) continue;
      if (entries_.size() >= ctx_.limits.max_entries) {
        w.hit_entry_limit = true;
        break;
      }
      entries_.push_back(std::move(e));
      skip_.push_back(false);
      never_read_.push_back(false);  // extract_entry still passes over media
      ++added;
    }
    std::string msg = "archive is truncated or damaged: " + walk_reason_ + "; " +
                      std::to_string(added) + (known.empty() ? "" : " more") +
                      " entries recovered by walking local headers";
    if (!w.stop_reason.empty()) {
      msg += "; the walk stopped at offset " + std::to_string(w.stop_offset) + ": " + w.stop_reason;
    }
    ctx_.diagnostics.warn(DiagnosticKind::kMalformed, path_, std::move(msg));
    if (w.hit_entry_limit) warn_entry_limit();
  }

  // Two entries whose local data overlap are how "overlapping" zip bombs expand one compressed
  // stream many times over. The entry that starts first is kept; any entry starting inside an
  // earlier one is skipped.
  void skip_overlapping_entries() {
    std::vector<size_t> order;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (!skip_[i] && !never_read_[i]) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return entries_[a].local_header_offset < entries_[b].local_header_offset;
    });
    uint64_t covered_end = 0;
    size_t owner = SIZE_MAX;
    for (size_t i : order) {
      const ZipEntry& e = entries_[i];
      uint64_t end = e.data_offset + e.compressed_size;  // checked by resolve/walk
      if (owner != SIZE_MAX && e.local_header_offset < covered_end) {
        warn(DiagnosticKind::kMalformed, e,
             "skipped: its data at offset " + std::to_string(e.local_header_offset) +
                 " overlaps entry \"" + zip::printable_entry_name(entries_[owner].raw_name) +
                 "\" (an overlapping-entry zip bomb, or a damaged archive)");
        skip_[i] = true;
        continue;
      }
      covered_end = end;
      owner = i;
    }
  }

  // Returns false when the archive must stop (the expansion budget is spent).
  bool extract_entry(const ZipEntry& e) {
    if (never_read(e)) return true;  // walked entries (central ones were passed over already)
    std::string name = zip::printable_entry_name(e.raw_name);
    if (e.flags & zip::kFlagEncrypted) {
      warn(DiagnosticKind::kEncrypted, e, "skipped: the entry is encrypted");
      return true;
    }
    if (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated) {
      // DiagnosticKind has no "unsupported"; the error code's mapping (kOther) is used.
      if (++entry_problems_ <= kMaxEntryDiagnostics) {
        ctx_.diagnostics.error(
            Error{ErrorCode::kUnsupported,
                  "skipped: unsupported compression method " + std::to_string(e.method),
                  entry_path(e), std::nullopt},
            Severity::kWarning);
      }
      return true;
    }
    const Limits& lim = ctx_.limits;
    uint64_t size = e.method == zip::kMethodStored ? e.compressed_size : e.uncompressed_size;
    if (size > lim.max_entry_size) {
      warn(DiagnosticKind::kLimit, e,
           "skipped: expands to " + std::to_string(size) + " bytes, over the limit of " +
               std::to_string(lim.max_entry_size) + " per entry");
      return true;
    }
    std::string_view stored = data_.substr(e.data_offset, e.compressed_size);

    if (e.method == zip::kMethodStored) {
      if (e.uncompressed_size != e.compressed_size) {
        warn(DiagnosticKind::kMalformed, e,
             "stored entry declares " + std::to_string(e.uncompressed_size) +
                 " bytes but holds " + std::to_string(e.compressed_size) + "; scanning what it holds");
      }
      check_crc(e, stored);
      emit_(blob_.child_view(std::move(name), stored));
      return true;
    }

    uint64_t ratio_limit = 0;
    if (size > zip::kRatioCheckFloor &&
        (!checked_mul(e.compressed_size, lim.max_compression_ratio, &ratio_limit) ||
         size > ratio_limit)) {
      warn(DiagnosticKind::kLimit, e,
           "skipped (zip bomb?): " + std::to_string(e.compressed_size) + " compressed bytes claim to expand to " +
               std::to_string(size) + ", more than the limit of " +
               std::to_string(lim.max_compression_ratio) + " times");
      return true;
    }
    uint64_t total = 0;
    if (!checked_add(*expanded_, size, &total) || total > lim.max_total_expanded) {
      size_t left = static_cast<size_t>(entries_.data() + entries_.size() - &e);
      warn(DiagnosticKind::kLimit, e,
           "stopped expanding this archive: this entry (" + std::to_string(size) +
               " bytes) would pass the limit of " + std::to_string(lim.max_total_expanded) +
               " bytes expanded from one input; " + std::to_string(left) +
               " entries from here on are not scanned");
      return false;
    }
    // Held until the entry, and everything read from it, has been scanned: emit_ scans the child
    // before it returns.
    MemoryBudget::Lease lease;
    if (ctx_.budget) lease = ctx_.budget->acquire(size);
    std::string out;
    zip::InflateStatus st;
    if (inflated_ && inflated_->data_offset == e.data_offset &&
        inflated_->compressed_size == e.compressed_size && inflated_->bytes.size() == size) {
      // The same stream inflated to its full declared size before: what inflate_exact gives.
      out = std::move(inflated_->bytes);
      inflated_ = nullptr;
      st = zip::InflateStatus::kOk;
    } else {
      st = zip::inflate_exact(stored, static_cast<size_t>(size), out);
    }
    switch (st) {
      case zip::InflateStatus::kOk: break;
      case zip::InflateStatus::kShort:
        warn(DiagnosticKind::kMalformed, e,
             "inflates to " + std::to_string(out.size()) + " bytes, not the declared " +
                 std::to_string(size) + "; scanning what it gave");
        break;
      case zip::InflateStatus::kTooLong:
        warn(DiagnosticKind::kLimit, e,
             "skipped: inflates past its declared size of " + std::to_string(size) + " bytes");
        return true;
      case zip::InflateStatus::kCorrupt:
        warn(DiagnosticKind::kMalformed, e, "skipped: the deflate stream is corrupt");
        return true;
    }
    *expanded_ += out.size();
    if (st == zip::InflateStatus::kOk) check_crc(e, out);
    emit_(blob_.child(std::move(name), std::move(out)));
    return true;
  }

  // A CRC mismatch is reported, but the bytes are still scanned: a secret is still a secret.
  void check_crc(const ZipEntry& e, std::string_view bytes) {
    uint32_t actual = zip::crc32(bytes);
    if (actual == e.crc32) return;
    char buf[80];
    std::snprintf(buf, sizeof buf, "CRC-32 is %08x, the archive says %08x; scanned anyway", actual,
                  e.crc32);
    warn(DiagnosticKind::kMalformed, e, buf);
  }

  const Blob& blob_;
  ExtractContext& ctx_;
  const EmitBlob& emit_;
  std::string_view data_;
  std::string path_;
  uint64_t local_expanded_ = 0;
  uint64_t* expanded_;
  InflatedEntry* inflated_;  // taken by the entry it belongs to
  zip::CentralDirectory* directory_;  // read by the caller already, or nullptr
  std::vector<ZipEntry> entries_;
  std::vector<bool> skip_;
  std::vector<bool> never_read_;  // directories and media: not resolved, not read
  std::string walk_reason_;
  size_t entry_problems_ = 0;
};

}  // namespace

bool ZipExtractor::sniff(const Blob& blob) const {
  return zip::starts_with_local_header(blob.bytes()) ||
         zip::locate_central_directory(blob.bytes()).has_value();
}

Result<void> ZipExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                   const EmitBlob& emit) const {
  return ArchiveReader(blob, ctx, emit, nullptr, nullptr).run();
}

Result<void> ZipExtractor::extract_with(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit,
                                        InflatedEntry* inflated,
                                        zip::CentralDirectory* directory) {
  return ArchiveReader(blob, ctx, emit, inflated, directory).run();
}

}  // namespace keysweep
