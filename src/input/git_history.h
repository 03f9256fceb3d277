// The git source: every unique blob reachable in a repository's history, once, with the first
// commit that introduced it (libgit2). Also the blobs a staged change or a commit range adds, for
// pre-commit hooks and pull-request gates.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "input/libgit2_session.h"
#include "input/object_id_index.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep {

struct GitScanOptions {
  // What to walk. At most one of staged / range; since and refs narrow the history walk.
  bool staged = false;            // the index against HEAD (what `git commit` would add)
  std::string range;              // "A..B": what the commits reachable from B but not A add
  std::string since;              // "REV": only commits after REV (REV and its ancestors hidden)
  std::vector<std::string> refs;  // revisions to start from; empty = every ref and HEAD
  uint64_t max_blob_size = 512ull << 20;
  // The walk's list of blobs to scan keeps at most this many bytes of its records in memory,
  // the older ones in a temporary file (GitBlobList::spill_past); 0: no limit.
  uint64_t list_memory = 0;
  // Full-history walks (no staged / range / since) stream the repository's packs
  // (pipeline/git_pack_scan.cc); false reads every object through libgit2.
  bool read_packs = true;
  // Threads reading commits and trees ahead of the history walk's ordered replay (1: the walk's
  // own thread only). The walk lists the same blobs, commits and paths in the same order either
  // way.
  unsigned walk_threads = 1;
  // A commit's diff read ahead holds at most this many entries (trees and blobs that changed, 56
  // bytes each and their names); a larger one (an import, a rewrite of a large tree) is walked
  // by the replay itself when its turn comes, a directory at a time, as are --since / --diff
  // boundaries' trees. The listing is the same whatever the limit.
  size_t read_ahead_entries = 8192;
};

using GitObjectId = std::array<unsigned char, 20>;

struct GitObjectIdHash {
  size_t operator()(const GitObjectId& id) const {
    size_t h;  // object ids are already uniformly distributed
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

// The 40-digit lowercase hex form git prints.
std::string object_id_hex(const GitObjectId& id);

// One blob to scan, and where it was first seen.
struct GitBlob {
  GitObjectId id{};
  GitOrigin origin;
};

class GitBlobList;
// Called by the walk right after it lists a blob, with the list, the blob's position in it and
// the source's hint for it (GitObjectSource::blob_hint; 0 without a source).
using GitBlobListed = std::function<void(const GitBlobList&, size_t, uint8_t hint)>;

struct GitWalkStats {
  uint64_t commits = 0;
  uint64_t blobs = 0;       // unique blobs listed
  uint64_t blob_bytes = 0;  // their total size
  uint64_t skipped_large = 0;
  uint64_t unreachable_blobs = 0;  // in a pack but not reachable from the walked refs: not scanned
};

// One entry of a tree: its name, its id (20 raw bytes) and what it is. Both views point into
// whoever parsed the tree and stay valid as long as it does.
enum class GitEntryType : uint8_t { kBlob = 0, kTree = 1, kCommit = 2 };  // commit: a submodule
struct GitTreeEntry {
  std::string_view name;
  const unsigned char* id = nullptr;
  uint32_t number = KnownObjectIds::kNone;  // the id's number in a GitObjectSource, if it has it
  GitEntryType type = GitEntryType::kBlob;
};

// The raw tree format, `mode SP name NUL 20-byte id` repeated, into `out` (appended, numbers
// kNone). Strict: false for anything libgit2 might read differently (a mode that is not octal
// digits, over 16 bits), which is then left to libgit2.
bool parse_git_tree(std::string_view raw, std::vector<GitTreeEntry>& out);

// Objects another reader already has (the pack streamer of pipeline/git_pack_scan.h), numbered
// (KnownObjectIds): trees as parsed entries, blob sizes from pack headers. "Not known" sends the
// walk to libgit2.
class GitObjectSource : public KnownObjectIds {
 public:
  // The entries of tree `number` into `out` (appended, each with its number), valid for the
  // walk; false when not kept.
  virtual bool tree(uint32_t number, std::vector<GitTreeEntry>& out) const = 0;
  // The size of blob `number`, or nullopt when unknown or not a blob.
  virtual std::optional<uint64_t> blob_size(uint32_t number) const = 0;
  // A byte of the source's own about blob `number` (the pack reader's: whether it can be read
  // alone), worked out with its size on the walk's reader threads and handed back to
  // GitBlobListed: the ordered walk then does not touch the source's per-object records, whose
  // random reads were most of its time once trees were read ahead. Thread-safe, as blob_size().
  virtual uint8_t blob_hint(uint32_t number) const { return 0; }
};

// A blob's bytes, kept alive by `owner` (libgit2's object) as long as the view is used.
struct GitBlobBytes {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
};

// What a report says about the repository as a whole (SARIF versionControlProvenance).
struct GitRepositoryInfo {
  std::string workdir;     // empty for a bare repository
  std::string gitdir;
  std::string origin_url;  // remote "origin", if any
  std::string head;        // HEAD's commit id, if HEAD is born
  std::string branch;      // HEAD's branch name ("main"), if HEAD is a branch
};

// While alive, libgit2 maps at most `limit` bytes of pack files at once (in windows of a quarter
// of that), process-wide; the settings before are restored after. For a scan that reads the packs
// itself and leaves libgit2 only the commits: libgit2's default (1 GiB windows, up to 8 GiB) kept
// every page it had touched mapped, and with the kernel mapping the cached pages around each
// fault too, that was most of the pack once more in the resident set (issue 16).
class GitPackWindowLimit {
 public:
  explicit GitPackWindowLimit(size_t limit);
  ~GitPackWindowLimit();
  GitPackWindowLimit(const GitPackWindowLimit&) = delete;
  GitPackWindowLimit& operator=(const GitPackWindowLimit&) = delete;

 private:
  // First: the options are set after libgit2 is up and restored before it goes down.
  LibGit2Session session_;
  size_t old_window_ = 0, old_limit_ = 0;
};

// Opens a (possibly bare) repository at or above `path`.
class GitRepository {
 public:
  static Result<std::unique_ptr<GitRepository>> open(const std::string& path);
  ~GitRepository();
  // Adds each unique blob to scan to `list`, in first-seen order (parents before children, so
  // a blob is attributed to the commit that introduced it), calling `listed` with its position
  // right after. Blobs over the size limit are counted and warned about, not listed. With
  // `source`, trees and blob sizes come from it first (the same walk, the same attribution),
  // libgit2 reading what it does not have. With options.walk_threads > 1, commits and trees are
  // read ahead on that many threads (each with its own libgit2 handle); the listing is the same.
  Result<void> walk_blobs(const GitScanOptions& options, DiagnosticSink& diagnostics,
                          GitWalkStats& stats, GitBlobList& list, const GitBlobListed& listed = {},
                          const GitObjectSource* source = nullptr);
  // Reads a blob without copying it. Thread-safe when each thread uses its own GitRepository.
  Result<GitBlobBytes> read_blob(const GitObjectId& id);
  GitRepositoryInfo info();
  // Where the object database lives (GITDIR/objects/, the common dir's in a linked worktree).
  std::string objects_dir();
  // Where git runs hooks from: core.hooksPath when set, else GITDIR/hooks.
  std::string hooks_dir();
  const std::string& path() const { return path_; }

 private:
  GitRepository() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace keysweep
