// A commit's tree against its first parent's, read into a flat list in the order the history walk
// visits it, on any thread. The walk's cost is in reading trees (inflating them through libgit2,
// or expanding the pack reader's kept rows), pairing each tree's entries with the old tree's, and
// finding each changed blob's size; none of that depends on what earlier commits held, so worker
// threads do it for the commits ahead while one thread replays the lists in commit order and makes
// the first-seen decisions (which blob is new, under which commit and path) exactly as before
// (issue 16 item 1: the walk was one thread).
//
// Unlike the ordered walk, a diff here does not skip trees seen in earlier commits (it cannot
// know them): it lists every entry that differs from the old tree, and the replay skips a seen
// tree's entries by the tree's `end`. So a merge, whose first-parent diff holds what its branch
// changed, costs a worker more than the ordered walk it replaces, and the replay no more.
//
// The same diff can be streamed instead (GitDiffVisitor): the replay's thread walks a commit whose
// list would be too large to hold (past GitScanOptions::read_ahead_entries) and a --since
// boundary's whole tree that way, a directory at a time, skipping seen trees unread.
#pragma once

#include <git2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "input/git_history.h"

namespace keysweep {

// A blob's size as the walk needs it (the size limit), or why it could not be read.
struct GitBlobSize {
  bool ok = false;
  uint8_t hint = 0;  // the source's GitObjectSource::blob_hint
  uint64_t size = 0;
  std::string error;  // when !ok: libgit2's reason
};

// From `source` when it knows the blob (pack headers), else the object database's header.
GitBlobSize git_blob_size(git_odb* odb, const GitObjectSource* source, uint32_t number,
                          const unsigned char* id);

struct GitDiffEntry {
  enum class Kind : uint8_t { kTree, kBlob };
  // Trees: read, unreadable (error), or past the depth limit (not read); blobs: sized, or not
  // (error), or not asked (a diff for marking only).
  enum class Status : uint8_t { kOk, kUnreadable, kTooDeep, kNoSize };
  Kind kind = Kind::kBlob;
  Status status = Status::kOk;
  uint32_t number = KnownObjectIds::kNone;  // in the source, when it has the id
  uint32_t name_start = 0, name_size = 0;   // in GitCommitDiff::names
  uint32_t end = 0;    // trees: the index just past the entries under this tree
  uint32_t error = 0;  // kUnreadable, kNoSize: index in GitCommitDiff::errors
  uint64_t size = 0;   // blobs, kOk
  uint8_t hint = 0;    // blobs, kOk: GitObjectSource::blob_hint
  // The object's id when it has no `number`; zeros for a numbered one, whose id the source keeps
  // (git_diff_entry_id): copied here, it was read at random from the pack index's id table for
  // every changed entry: GitTreeDiffer::walk was 10,079 of 66,868 CPU samples of the scan of a
  // three-million-object history, 82% of them on that copy (issue 16).
  GitObjectId id{};
};

// The entry's id: its own, or the source's for an entry it numbered (`source` is the differ's).
inline const unsigned char* git_diff_entry_id(const GitDiffEntry& e,
                                              const GitObjectSource* source) {
  return e.number != KnownObjectIds::kNone ? source->id(e.number) : e.id.data();
}

// Entry 0 is the commit's root tree; the entries under a tree follow it, depth first, in git's
// tree order. A diff held for the replay is bounded: past `limit` entries the differ stops, and
// `complete` says the list is only a head (the replay then walks the commit itself, a directory at
// a time, GitTreeDiffer's streamed diff): an import or a commit that rewrites most of a large
// tree would otherwise wait its turn as one flat list, 56 bytes an entry.
struct GitCommitDiff {
  std::vector<GitDiffEntry> entries;
  std::string names;
  std::vector<std::string> errors;
  size_t limit = SIZE_MAX;
  bool complete = true;
  std::string_view name(const GitDiffEntry& e) const {
    return std::string_view(names).substr(e.name_start, e.name_size);
  }
  void clear() {
    entries.clear();
    names.clear();
    errors.clear();
    complete = true;
  }
};

// What a streamed diff (GitTreeDiffer::diff with a visitor) hands over as it reads, in the order
// of GitCommitDiff's list: each changed tree before what it holds, left after it. Nothing but the
// trees open on the way down (one directory and its old version a level) is held.
class GitDiffVisitor {
 public:
  enum class Step : uint8_t { kEnter, kSkip, kStop };
  virtual ~GitDiffVisitor() = default;
  // A changed tree (`tree.id`, `tree.number`), about to be read: kSkip leaves it and everything
  // under it unread, kStop ends the diff.
  virtual Step enter_tree(const GitDiffEntry& tree, std::string_view name) = 0;
  // After an entered tree's entries, or at once when it was not read (`tree.status`; `error` is
  // libgit2's reason for kUnreadable).
  virtual void leave_tree(const GitDiffEntry& tree, const std::string& error) = 0;
  // A changed blob; with sizes asked, `error` is the reason for kNoSize. false ends the diff.
  virtual bool blob(const GitDiffEntry& blob, std::string_view name, const std::string& error) = 0;
};

// Reads trees through `source` first and `repo` (one libgit2 handle a thread) for the rest.
class GitTreeDiffer {
 public:
  // Git's own trees are a few dozen levels deep at most; a crafted one could nest until the stack
  // runs out.
  static constexpr int kMaxTreeDepth = 256;

  GitTreeDiffer(git_repository* repo, git_odb* odb, const GitObjectSource* source);
  ~GitTreeDiffer();
  GitTreeDiffer(const GitTreeDiffer&) = delete;
  GitTreeDiffer& operator=(const GitTreeDiffer&) = delete;

  // `tree` against `old` (null: none, every entry is new) into `out` (cleared first, at most
  // out.limit entries). With `sizes`, each listed blob's size is read too.
  void diff(const git_oid* tree, const git_oid* old, bool sizes, GitCommitDiff& out);
  // The same diff handed to `visitor` as it is read, sizes not read; false when it said kStop.
  bool diff(const git_oid* tree, const git_oid* old, GitDiffVisitor& visitor);

 private:
  struct TreeView;
  bool read_tree(const unsigned char* id, uint32_t number, TreeView& view);
  bool walk(const unsigned char* id, uint32_t number, const unsigned char* old_id,
            uint32_t old_number, std::string_view name, int depth);
  uint32_t number_of(const unsigned char* id, uint32_t number) const;

  git_repository* repo_;
  git_odb* odb_;
  const GitObjectSource* source_;
  std::vector<std::unique_ptr<TreeView>> views_;  // two a level (the tree, the old), reused
  GitDiffVisitor* visitor_ = nullptr;
  bool sizes_ = false;
};

}  // namespace keysweep
