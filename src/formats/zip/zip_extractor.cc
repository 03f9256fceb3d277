#include "formats/zip/zip_extractor.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
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

// An archive opened: its entries listed and checked (open), then read in one pass or in parts
// (read), several parts at once on other threads. Everything open() sets is only read after.
class ArchiveReader {
 public:
  // One pass over a range of entries: where its children and problems go, and its own count of
  // entry problems (from what open() counted), so that passes need not share a counter.
  struct Pass {
    ExtractContext& ctx;
    const EmitBlob& emit;
    size_t problems = 0;
    uint64_t local_expanded = 0;
    uint64_t* expanded = nullptr;
    Pass(ExtractContext& c, const EmitBlob& e, size_t open_problems)
        : ctx(c), emit(e), problems(open_problems), expanded(c.expanded_bytes ? c.expanded_bytes : &local_expanded) {}
  };

  // `directory`: the central directory read_central_directory gave for this blob with these
  // limits' max_entries, read by the caller already (moved from), or nullptr.
  ArchiveReader(Blob blob, const Limits& limits, InflatedEntry* inflated,
                zip::CentralDirectory* directory)
      : blob_(std::move(blob)), limits_(limits), data_(blob_.bytes()), path_(blob_.display_path()) {
    if (inflated) inflated_ = std::move(*inflated);
    if (directory) directory_ = std::move(*directory);
  }

  Result<void> run(ExtractContext& ctx, const EmitBlob& emit) {
    if (auto r = open(ctx, emit); !r) return r;
    Pass pass(ctx, emit, open_problems_);
    read(0, entries_.size(), pass);
    report_suppressed(ctx, pass.problems);
    return {};
  }

  // Everything before the first entry is read.
  Result<void> open(ExtractContext& ctx, const EmitBlob& emit) {
    Pass pass(ctx, emit, 0);
    auto r = open_pass(pass);
    open_problems_ = pass.problems;
    return r;
  }

  // Returns false when the archive must stop (the expansion budget is spent).
  bool read(size_t first, size_t last, Pass& pass) const {
    for (size_t i = first; i < last && i < entries_.size(); ++i) {
      if (skip_[i] || never_read_[i]) continue;
      if (!extract_entry(i, pass)) return false;
    }
    return true;
  }

  void report_suppressed(ExtractContext& ctx, size_t problems) const {
    if (problems <= kMaxEntryDiagnostics) return;
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, path_,
                         std::to_string(problems - kMaxEntryDiagnostics) + " more problems with entries not shown");
  }

  size_t entry_count() const { return entries_.size(); }
  size_t open_problems() const { return open_problems_; }
  // The bytes entry `i` hands on (0 when it is passed over before anything is inflated).
  uint64_t entry_weight(size_t i) const {
    const ZipEntry& e = entries_[i];
    if (skip_[i] || never_read_[i] || never_read(e) || (e.flags & zip::kFlagEncrypted)) return 0;
    if (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated) return 0;
    uint64_t size = e.method == zip::kMethodStored ? e.compressed_size : e.uncompressed_size;
    return size > limits_.max_entry_size ? 0 : size;
  }

 private:
  Result<void> open_pass(Pass& pass) {
    auto loc = zip::locate_central_directory(data_);
    bool walk = false;
    uint64_t walk_start = 0;
    if (loc) {
      zip::CentralDirectory cd = directory_ ? std::move(*directory_)
                                            : zip::read_central_directory(data_, *loc, limits_.max_entries);
      directory_.reset();
      entries_ = std::move(cd.entries);
      if (cd.hit_entry_limit) warn_entry_limit(pass.ctx);
      if (!cd.incomplete_reason.empty()) {
        walk = true;
        walk_start = loc->prefix;
        walk_reason_ = cd.incomplete_reason;
      }
      if (loc->prefix > 0) emit_prefix(pass, loc->prefix);
    } else if (zip::starts_with_local_header(data_)) {
      walk = true;
      walk_reason_ = loc.error().message;
    } else {
      return std::unexpected(loc.error());
    }

    resolve_central_entries(pass);
    if (walk) add_walked_entries(pass, walk_start);
    bool readable = std::any_of(skip_.begin(), skip_.end(), [](bool s) { return !s; });
    if (!readable && (walk || !entries_.empty())) {
      // Nothing readable: let the pipeline scan the raw bytes instead.
      return make_error(ErrorCode::kMalformed, "zip archive with no readable entry");
    }
    skip_overlapping_entries(pass);
    find_inflated_entry();
    return {};
  }

  // The entry the caller's inflated bytes belong to: the first read whose stream they are.
  void find_inflated_entry() {
    if (!inflated_) return;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const ZipEntry& e = entries_[i];
      if (skip_[i] || never_read_[i] || never_read(e)) continue;
      if (e.data_offset == inflated_->data_offset && e.compressed_size == inflated_->compressed_size) {
        inflated_index_ = i;
        return;
      }
    }
  }

  std::string entry_path(const ZipEntry& e) const {
    return path_ + "!" + zip::printable_entry_name(e.raw_name);
  }
  // Entry problems are reported one by one up to a cap, then counted: an archive of 100,000
  // overlapping entries must not print 100,000 lines.
  void warn(Pass& pass, DiagnosticKind kind, const ZipEntry& e, std::string reason) const {
    if (++pass.problems > kMaxEntryDiagnostics) return;
    pass.ctx.diagnostics.warn(kind, entry_path(e), std::move(reason));
  }

  void warn_entry_limit(ExtractContext& ctx) const {
    ctx.diagnostics.warn(DiagnosticKind::kLimit, path_,
                         "more than " + std::to_string(limits_.max_entries) + " entries; only the first " +
                             std::to_string(limits_.max_entries) + " were read");
  }

  // Bytes before the archive proper (a self-extractor stub, or a binary with a zip appended) are
  // not part of any entry; as their own child they are still sniffed and scanned.
  void emit_prefix(Pass& pass, uint64_t prefix) const {
    pass.emit(blob_.child_view("(bytes before the zip archive)", data_.substr(0, prefix)));
  }

  // Entries never read (directories, media) are not resolved: their local headers lie all over
  // an APK of thousands of PNGs, one page touched each, for data nobody reads. Nor do they take
  // part in the overlap check, which guards only what is inflated.
  void resolve_central_entries(Pass& pass) {
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
        warn(pass, DiagnosticKind::kMalformed, e,
             "skipped: at offset " + std::to_string(r.error().offset.value_or(0)) + ": " +
                 r.error().message);
        skip_[i] = true;
      } else if (!mismatch.empty()) {
        warn(pass, DiagnosticKind::kMalformed, e,
             mismatch + "; the central directory's entry is used");
      }
    }
  }

  // A truncated download or a damaged directory: recover what the local headers still describe.
  void add_walked_entries(Pass& pass, uint64_t start) {
    std::unordered_set<uint64_t> known;
    for (const ZipEntry& e : entries_) known.insert(e.local_header_offset);
    zip::LocalWalk w = zip::walk_local_headers(data_, start, limits_.max_entries, limits_.max_entry_size,
                                               limits_.max_compression_ratio);
    size_t added = 0;
    for (ZipEntry& e : w.entries) {
      if (known.count(e.local_header_offset)) continue;
      if (entries_.size() >= limits_.max_entries) {
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
    pass.ctx.diagnostics.warn(DiagnosticKind::kMalformed, path_, std::move(msg));
    if (w.hit_entry_limit) warn_entry_limit(pass.ctx);
  }

  // Two entries whose local data overlap are how "overlapping" zip bombs expand one compressed
  // stream many times over. The entry that starts first is kept; any entry starting inside an
  // earlier one is skipped.
  void skip_overlapping_entries(Pass& pass) {
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
        warn(pass, DiagnosticKind::kMalformed, e,
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
  bool extract_entry(size_t i, Pass& pass) const {
    const ZipEntry& e = entries_[i];
    if (never_read(e)) return true;  // walked entries (central ones were passed over already)
    std::string name = zip::printable_entry_name(e.raw_name);
    if (e.flags & zip::kFlagEncrypted) {
      warn(pass, DiagnosticKind::kEncrypted, e, "skipped: the entry is encrypted");
      return true;
    }
    if (e.method != zip::kMethodStored && e.method != zip::kMethodDeflated) {
      // DiagnosticKind has no "unsupported"; the error code's mapping (kOther) is used.
      if (++pass.problems <= kMaxEntryDiagnostics) {
        pass.ctx.diagnostics.error(
            Error{ErrorCode::kUnsupported,
                  "skipped: unsupported compression method " + std::to_string(e.method),
                  entry_path(e), std::nullopt},
            Severity::kWarning);
      }
      return true;
    }
    const Limits& lim = limits_;
    uint64_t size = e.method == zip::kMethodStored ? e.compressed_size : e.uncompressed_size;
    if (size > lim.max_entry_size) {
      warn(pass, DiagnosticKind::kLimit, e,
           "skipped: expands to " + std::to_string(size) + " bytes, over the limit of " +
               std::to_string(lim.max_entry_size) + " per entry");
      return true;
    }
    std::string_view stored = data_.substr(e.data_offset, e.compressed_size);

    if (e.method == zip::kMethodStored) {
      if (e.uncompressed_size != e.compressed_size) {
        warn(pass, DiagnosticKind::kMalformed, e,
             "stored entry declares " + std::to_string(e.uncompressed_size) +
                 " bytes but holds " + std::to_string(e.compressed_size) + "; scanning what it holds");
      }
      check_crc(pass, e, stored);
      pass.emit(blob_.child_view(std::move(name), stored));
      return true;
    }

    uint64_t ratio_limit = 0;
    if (size > zip::kRatioCheckFloor &&
        (!checked_mul(e.compressed_size, lim.max_compression_ratio, &ratio_limit) ||
         size > ratio_limit)) {
      warn(pass, DiagnosticKind::kLimit, e,
           "skipped (zip bomb?): " + std::to_string(e.compressed_size) + " compressed bytes claim to expand to " +
               std::to_string(size) + ", more than the limit of " +
               std::to_string(lim.max_compression_ratio) + " times");
      return true;
    }
    uint64_t total = 0;
    if (!checked_add(*pass.expanded, size, &total) || total > lim.max_total_expanded) {
      size_t left = static_cast<size_t>(entries_.data() + entries_.size() - &e);
      warn(pass, DiagnosticKind::kLimit, e,
           "stopped expanding this archive: this entry (" + std::to_string(size) +
               " bytes) would pass the limit of " + std::to_string(lim.max_total_expanded) +
               " bytes expanded from one input; " + std::to_string(left) +
               " entries from here on are not scanned");
      return false;
    }
    // Held until the entry, and everything read from it, has been scanned: emit scans the child
    // before it returns.
    MemoryBudget::Lease lease;
    if (pass.ctx.budget) lease = pass.ctx.budget->acquire(size);
    std::string out;
    zip::InflateStatus st;
    if (i == inflated_index_ && inflated_->bytes.size() == size) {
      // The same stream inflated to its full declared size before: what inflate_exact gives.
      // Only the pass over this entry touches it.
      out = std::move(inflated_->bytes);
      st = zip::InflateStatus::kOk;
    } else {
      st = zip::inflate_exact(stored, static_cast<size_t>(size), out);
    }
    switch (st) {
      case zip::InflateStatus::kOk: break;
      case zip::InflateStatus::kShort:
        warn(pass, DiagnosticKind::kMalformed, e,
             "inflates to " + std::to_string(out.size()) + " bytes, not the declared " +
                 std::to_string(size) + "; scanning what it gave");
        break;
      case zip::InflateStatus::kTooLong:
        warn(pass, DiagnosticKind::kLimit, e,
             "skipped: inflates past its declared size of " + std::to_string(size) + " bytes");
        return true;
      case zip::InflateStatus::kCorrupt:
        warn(pass, DiagnosticKind::kMalformed, e, "skipped: the deflate stream is corrupt");
        return true;
    }
    *pass.expanded += out.size();
    if (st == zip::InflateStatus::kOk) check_crc(pass, e, out);
    pass.emit(blob_.child(std::move(name), std::move(out)));
    return true;
  }

  // A CRC mismatch is reported, but the bytes are still scanned: a secret is still a secret.
  void check_crc(Pass& pass, const ZipEntry& e, std::string_view bytes) const {
    uint32_t actual = zip::crc32(bytes);
    if (actual == e.crc32) return;
    char buf[80];
    std::snprintf(buf, sizeof buf, "CRC-32 is %08x, the archive says %08x; scanned anyway", actual,
                  e.crc32);
    warn(pass, DiagnosticKind::kMalformed, e, buf);
  }

  Blob blob_;
  const Limits limits_;  // a copy: the opened archive may outlive the context that opened it
  std::string_view data_;
  std::string path_;
  // The caller's inflated entry, taken by the pass over entry inflated_index_.
  mutable std::optional<InflatedEntry> inflated_;
  size_t inflated_index_ = SIZE_MAX;
  std::optional<zip::CentralDirectory> directory_;  // the caller's read, taken by open()
  std::vector<ZipEntry> entries_;
  std::vector<bool> skip_;
  std::vector<bool> never_read_;  // directories and media: not resolved, not read
  std::string walk_reason_;
  size_t open_problems_ = 0;  // entry problems open() found
};

}  // namespace

bool ZipExtractor::sniff(const Blob& blob) const {
  return zip::starts_with_local_header(blob.bytes()) ||
         zip::locate_central_directory(blob.bytes()).has_value();
}

Result<void> ZipExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                   const EmitBlob& emit) const {
  return extract_with(blob, ctx, emit, nullptr, nullptr);
}

Result<void> ZipExtractor::extract_with(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit,
                                        InflatedEntry* inflated, zip::CentralDirectory* directory) {
  return ArchiveReader(blob, ctx.limits, inflated, directory).run(ctx, emit);
}

namespace {

class ZipEntries final : public ContainerEntries {
 public:
  explicit ZipEntries(std::unique_ptr<ArchiveReader> reader) : reader_(std::move(reader)) {}
  size_t size() const override { return reader_->entry_count(); }
  uint64_t weight(size_t i) const override { return reader_->entry_weight(i); }
  size_t read(size_t first, size_t last, ExtractContext& ctx, const EmitBlob& emit) const override {
    ArchiveReader::Pass pass(ctx, emit, reader_->open_problems());
    reader_->read(first, last, pass);
    return pass.problems - reader_->open_problems();
  }
  size_t problem_reports_left() const override {
    return kMaxEntryDiagnostics > reader_->open_problems() ? kMaxEntryDiagnostics - reader_->open_problems() : 0;
  }
  void finish(ExtractContext& ctx, size_t read_problems) const override {
    reader_->report_suppressed(ctx, reader_->open_problems() + read_problems);
  }

 private:
  std::unique_ptr<ArchiveReader> reader_;
};

}  // namespace

Result<std::unique_ptr<ContainerEntries>> ZipExtractor::open_entries(const Blob& blob, ExtractContext& ctx,
                                                                     const EmitBlob& emit) const {
  return open_entries_with(blob, ctx, emit, nullptr, nullptr);
}

Result<std::unique_ptr<ContainerEntries>> ZipExtractor::open_entries_with(const Blob& blob, ExtractContext& ctx,
                                                                          const EmitBlob& emit,
                                                                          InflatedEntry* inflated,
                                                                          zip::CentralDirectory* directory) {
  auto reader = std::make_unique<ArchiveReader>(blob, ctx.limits, inflated, directory);
  if (auto r = reader->open(ctx, emit); !r) return std::unexpected(r.error());
  return std::make_unique<ZipEntries>(std::move(reader));
}

}  // namespace keysweep
