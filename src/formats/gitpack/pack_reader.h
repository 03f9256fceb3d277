// Streams every object of a git pack exactly once, the way `git index-pack` resolves a pack:
// pass 1 (open) reads only the entry headers and links each delta to its base; pass 2 (resolve)
// walks each full object's tree of deltas depth first, inflating each entry once and keeping
// only the bodies of the chain being walked.
//
// Why not libgit2: it reads a pack by random access, one object at a time, with a 16 MiB
// delta-base cache per pack. A whole-history scan reads every tree and blob; through libgit2 the
// benchmark repository (954 commits, 133,864 trees / 168 MB, 74,685 blobs / 688 MB, one pack)
// spent 7.3 CPU s in the history walk alone, ~70% of it in git_odb_read of trees (bases
// re-inflated as the cache thrashes), against 4.1 CPU s for `git cat-file --batch` to read every
// blob (bench/results/2026-11-29-git-throughput.txt). Resolving each delta tree once from its base
// costs one inflate per entry and no cache.
//
// Every malformed case (offsets outside the pack, bad zlib, a delta out of bounds, a size
// mismatch, a missing or cyclic base) is a diagnostic naming the pack and the entry's offset; the
// entries depending on a bad one are skipped, never a crash.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostics.h"
#include "formats/gitpack/pack_index.h"
#include "keysweep/error.h"

struct libdeflate_decompressor;

namespace keysweep::gitpack {

enum class ObjectType : uint8_t { kNone = 0, kCommit = 1, kTree = 2, kBlob = 3, kTag = 4 };
const char* type_name(ObjectType t);

struct PackLimits {
  uint64_t max_object_size = 4ull << 30;  // an object (or delta) claiming more is malformed
  uint32_t max_chain_depth = 10000;       // git writes at most 4095 (--depth), by default 50
};

// Per-thread state for resolve(): a decompressor and the chain's bodies, reused across chains.
class Resolver {
 public:
  Resolver();
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

 private:
  friend class PackFile;
  struct Frame {
    uint32_t entry = 0;
    uint32_t next_child = 0;
    std::string body;
  };
  libdeflate_decompressor* inflater_;
  std::deque<Frame> stack_;  // stack_[0..depth_) are live; a deque, so pushing keeps bases in place
  size_t depth_ = 0;
  std::string delta_, leaf_;
};

// Reads the sizes at the start of deltas with one zlib stream, reset rather than re-made for each.
class SizeReader {
 public:
  SizeReader();
  ~SizeReader();
  SizeReader(const SizeReader&) = delete;
  SizeReader& operator=(const SizeReader&) = delete;

 private:
  friend class PackFile;
  struct Stream;
  std::unique_ptr<Stream> stream_;
};

class PackFile {
 public:
  // One full object and every delta resolved from it, directly or not.
  struct Chain {
    uint32_t root = 0;  // entry (position in the index's sorted order)
    ObjectType type = ObjectType::kNone;
    uint64_t packed_bytes = 0;  // what resolving it reads from the pack, to split work by bytes
  };
  // An object handed out by resolve(): its bytes live until the visitor returns.
  using Visitor = std::function<void(uint32_t entry, ObjectType type, std::string_view bytes)>;

  // Pass 1 over `pack` and its `idx` (both must outlive the PackFile). `name` prefixes every
  // diagnostic. Fails only when the pack cannot be read at all (bad header, index of another
  // pack); a bad entry is a diagnostic and leaves the rest readable. Pass 1 reads every entry's
  // header, front to back: `read_on`, when given, is called after each 16 MiB of that, so a
  // caller mapping the pack can take the pages read out of its resident set.
  static Result<std::unique_ptr<PackFile>> open(std::string_view pack, std::string_view idx,
                                                std::string name, DiagnosticSink& diagnostics,
                                                PackLimits limits = {},
                                                const std::function<void()>& read_on = {});

  const std::string& name() const { return name_; }
  const PackIndex& index() const { return index_; }
  uint32_t object_count() const { return index_.size(); }
  // The chains whose root is of `type` (kNone: any) and, with `needed`, marked there; in pack
  // order. Built on each call rather than kept (16 bytes a chain, issue 16).
  std::vector<Chain> chains(ObjectType type = ObjectType::kNone,
                            const std::vector<uint8_t>* needed = nullptr) const;
  // The object's type once its chain is known; kNone for entries no chain reaches.
  ObjectType type(uint32_t entry) const { return entries_[entry].type; }
  uint64_t offset(uint32_t entry) const { return index_.offset(entry); }
  bool is_delta(uint32_t entry) const { return entries_[entry].base != kNoBase; }

  // The object's size without inflating it whole: a full object's is in its header, a delta's
  // in the first bytes of its data.
  Result<uint64_t> object_size(uint32_t entry, SizeReader& reader) const;

  // A full object that no delta is resolved from: reading it alone inflates it once, exactly as
  // resolving its one-object chain would, so a caller may read it as soon as it wants it (the
  // history scan does, while it is still walking) instead of waiting to resolve chains.
  bool is_standalone(uint32_t entry) const {
    const Entry& e = entries_[entry];
    return e.base == kNoBase && e.type != ObjectType::kNone && children(entry).empty();
  }
  // A standalone object's bytes into `out`; false for any other object, or (with a diagnostic,
  // as resolve() gives) when it cannot be inflated. Thread-safe with one Resolver a thread.
  bool read_standalone(uint32_t entry, Resolver& resolver, std::string& out,
                       DiagnosticSink& diagnostics) const;

  // Marks `entry` and every base it is resolved from in `needed` (sized object_count()).
  void mark_needed(uint32_t entry, std::vector<uint8_t>& needed) const;

  // Pass 2 for one chain: calls `visit` for the root, then each delta after its base. With
  // `needed`, deltas not marked there are not resolved. Thread-safe with one Resolver a thread.
  void resolve(const Chain& chain, Resolver& resolver, const Visitor& visit,
               DiagnosticSink& diagnostics, const std::vector<uint8_t>* needed = nullptr) const;

 private:
  static constexpr uint32_t kNoBase = 0xffffffffu;
  // 12 bytes an object (issue 16: the largest per-object record of a history scan; 24 before):
  // the entry's offset is the index's, its zlib stream starts `header` bytes after it, and the
  // inflated size is read again from the header when needed.
  struct Entry {
    uint32_t base = kNoBase;   // delta base entry
    uint32_t length = 0;       // bytes to where the next entry starts; kLong: see long_ends_
    uint8_t header = 0;        // bytes from the entry's offset to its zlib stream
    uint8_t kind = 0;          // pack type: 1-4 full objects, 6 OFS_DELTA, 7 REF_DELTA; 0 bad
    ObjectType type = ObjectType::kNone;
  };
  static_assert(sizeof(Entry) == 12);
  static constexpr uint32_t kLong = 0xffffffffu;

  PackFile() = default;
  Result<void> inflate(uint32_t entry, Resolver& r, std::string& out) const;
  uint64_t end(uint32_t entry) const {
    const Entry& e = entries_[entry];
    return e.length != kLong ? offset(entry) + e.length : long_ends_.at(entry);
  }
  // The inflated size of the entry's data (a delta's: the delta's), from its header.
  uint64_t data_size(uint32_t entry) const;
  std::string_view zlib_stream(uint32_t entry) const {
    const uint64_t data = offset(entry) + entries_[entry].header;
    return pack_.substr(data, end(entry) - data);
  }
  void report(DiagnosticSink& d, uint32_t entry, const std::string& what) const;
  std::span<const uint32_t> children(uint32_t entry) const {
    return {child_list_.data() + child_start_[entry], child_list_.data() + child_start_[entry + 1]};
  }

  std::string_view pack_;
  PackIndex index_;
  std::string name_;
  PackLimits limits_;
  std::vector<Entry> entries_;
  std::unordered_map<uint32_t, uint64_t> long_ends_;  // entries of 4 GiB or more: where they end
  std::vector<uint32_t> child_start_, child_list_;
};

}  // namespace keysweep::gitpack
