#include "input/git_commit_diff.h"

#include <algorithm>
#include <cstring>

namespace keysweep {

namespace {

constexpr uint32_t kNone = KnownObjectIds::kNone;

std::string last_error_text() {
  const git_error* e = git_error_last();
  return (e && e->message) ? e->message : "libgit2 error -1";
}

GitEntryType entry_type(git_object_t t) {
  if (t == GIT_OBJECT_TREE) return GitEntryType::kTree;
  if (t == GIT_OBJECT_BLOB) return GitEntryType::kBlob;
  return GitEntryType::kCommit;
}

// git's tree order: names compared bytewise, a tree's name as if it ended in '/'.
int compare_entries(const GitTreeEntry& a, const GitTreeEntry& b) {
  size_t k = std::min(a.name.size(), b.name.size());
  int c = std::memcmp(a.name.data(), b.name.data(), k);
  if (c) return c;
  auto next = [k](const GitTreeEntry& e) -> int {
    if (k < e.name.size()) return static_cast<unsigned char>(e.name[k]);
    return e.type == GitEntryType::kTree ? '/' : 0;
  };
  return next(a) - next(b);
}

// Two entries naming the same object. Numbered by the source, by their numbers: it gives one
// number to an id, and a comparison of ids read each of them from the pack index's id table, at
// random, for every entry of every tree diffed (most of them unchanged): at ten million objects
// that table is 200 MB, and each read a cache miss.
bool same_object(const GitTreeEntry& a, const GitTreeEntry& b) {
  if (a.number != kNone && b.number != kNone) return a.number == b.number;
  return std::memcmp(a.id, b.id, GIT_OID_RAWSZ) == 0;
}

}  // namespace

GitBlobSize git_blob_size(git_odb* odb, const GitObjectSource* source, uint32_t number,
                          const unsigned char* id) {
  GitBlobSize out;
  std::optional<uint64_t> known =
      source && number < source->count() ? source->blob_size(number) : std::nullopt;
  if (known) {
    out.ok = true;
    out.size = *known;
    out.hint = source->blob_hint(number);
    return out;
  }
  git_oid oid;
  std::memcpy(oid.id, id, GIT_OID_RAWSZ);
  git_object_t type = GIT_OBJECT_BLOB;
  size_t size = 0;
  git_error_clear();  // a tree entry naming a non-blob leaves no error of its own
  if (git_odb_read_header(&size, &type, odb, &oid) != 0 || type != GIT_OBJECT_BLOB) {
    out.error = last_error_text();
    return out;
  }
  out.ok = true;
  out.size = size;
  return out;
}

struct GitTreeDiffer::TreeView {
  std::vector<GitTreeEntry> entries;
  git_tree* owned = nullptr;
  ~TreeView() { reset(); }
  void reset() {
    entries.clear();
    if (owned) git_tree_free(owned);
    owned = nullptr;
  }
};

GitTreeDiffer::GitTreeDiffer(git_repository* repo, git_odb* odb, const GitObjectSource* source)
    : repo_(repo), odb_(odb), source_(source) {}
GitTreeDiffer::~GitTreeDiffer() = default;

uint32_t GitTreeDiffer::number_of(const unsigned char* id, uint32_t number) const {
  if (number != kNone || !source_) return number;
  return source_->find(id);
}

// The tree's entries into `view`: from the source when it has them, else libgit2.
bool GitTreeDiffer::read_tree(const unsigned char* id, uint32_t number, TreeView& view) {
  view.reset();
  if (source_ && number != kNone && source_->tree(number, view.entries)) return true;
  view.entries.clear();
  git_oid oid;
  std::memcpy(oid.id, id, GIT_OID_RAWSZ);
  if (git_tree_lookup(&view.owned, repo_, &oid) != 0) {
    view.owned = nullptr;
    return false;
  }
  for (size_t i = 0, n = git_tree_entrycount(view.owned); i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(view.owned, i);
    view.entries.push_back({git_tree_entry_name(e), git_tree_entry_id(e)->id, kNone,
                            entry_type(git_tree_entry_type(e))});
  }
  return true;
}

namespace {

// A diff into GitCommitDiff's flat list, at most its `limit` entries.
class DiffRecorder final : public GitDiffVisitor {
 public:
  explicit DiffRecorder(GitCommitDiff& out) : out_(out) {}
  Step enter_tree(const GitDiffEntry& tree, std::string_view name) override {
    if (!add(tree, name)) return Step::kStop;
    open_.push_back(static_cast<uint32_t>(out_.entries.size() - 1));
    return Step::kEnter;
  }
  void leave_tree(const GitDiffEntry& tree, const std::string& error) override {
    GitDiffEntry& e = out_.entries[open_.back()];
    open_.pop_back();
    e.status = tree.status;
    if (tree.status == GitDiffEntry::Status::kUnreadable) note_error(e, error);
    e.end = static_cast<uint32_t>(out_.entries.size());
  }
  bool blob(const GitDiffEntry& blob, std::string_view name, const std::string& error) override {
    if (!add(blob, name)) return false;
    if (blob.status == GitDiffEntry::Status::kNoSize) note_error(out_.entries.back(), error);
    return true;
  }

 private:
  bool add(const GitDiffEntry& e, std::string_view name) {
    if (out_.entries.size() >= out_.limit) {
      out_.complete = false;
      return false;
    }
    out_.entries.push_back(e);
    out_.entries.back().name_start = static_cast<uint32_t>(out_.names.size());
    out_.entries.back().name_size = static_cast<uint32_t>(name.size());
    out_.names.append(name);
    return true;
  }
  void note_error(GitDiffEntry& e, const std::string& error) {
    e.error = static_cast<uint32_t>(out_.errors.size());
    out_.errors.push_back(error);
  }

  GitCommitDiff& out_;
  std::vector<uint32_t> open_;  // entries of the trees entered and not yet left
};

}  // namespace

void GitTreeDiffer::diff(const git_oid* tree, const git_oid* old, bool sizes, GitCommitDiff& out) {
  out.clear();
  DiffRecorder recorder(out);
  visitor_ = &recorder;
  sizes_ = sizes;
  if (!walk(tree->id, kNone, old ? old->id : nullptr, kNone, {}, 0)) {
    // Only a head of the diff: dropped, as the replay walks the commit itself.
    out.entries.clear();
    out.names.clear();
    out.errors.clear();
  }
  visitor_ = nullptr;
}

bool GitTreeDiffer::diff(const git_oid* tree, const git_oid* old, GitDiffVisitor& visitor) {
  visitor_ = &visitor;
  sizes_ = false;
  const bool whole = walk(tree->id, kNone, old ? old->id : nullptr, kNone, {}, 0);
  visitor_ = nullptr;
  return whole;
}

// An entry the old tree has with the same id is unchanged and left out, so a commit costs what it
// changed. false: the visitor stopped the diff.
bool GitTreeDiffer::walk(const unsigned char* id, uint32_t number, const unsigned char* old_id,
                         uint32_t old_number, std::string_view name, int depth) {
  GitDiffEntry t;
  t.kind = GitDiffEntry::Kind::kTree;
  t.number = number_of(id, number);
  if (t.number == kNone) std::memcpy(t.id.data(), id, t.id.size());
  switch (visitor_->enter_tree(t, name)) {
    case GitDiffVisitor::Step::kEnter: break;
    case GitDiffVisitor::Step::kSkip: return true;
    case GitDiffVisitor::Step::kStop: return false;
  }
  auto leave = [&](GitDiffEntry::Status status) {
    t.status = status;
    visitor_->leave_tree(t, status == GitDiffEntry::Status::kUnreadable ? last_error_text()
                                                                        : std::string());
    return true;
  };
  if (depth > kMaxTreeDepth) return leave(GitDiffEntry::Status::kTooDeep);
  while (views_.size() < static_cast<size_t>(depth + 1) * 2)
    views_.push_back(std::make_unique<TreeView>());
  TreeView& tree = *views_[depth * 2];
  TreeView& old = *views_[depth * 2 + 1];
  if (!read_tree(id, t.number, tree)) return leave(GitDiffEntry::Status::kUnreadable);
  if (!old_id || !read_tree(old_id, number_of(old_id, old_number), old)) old.reset();
  const size_t n = tree.entries.size(), m = old.entries.size();
  std::string no_error;
  // Both trees are sorted in git's order, so one merge pass pairs the entries by name.
  for (size_t i = 0, j = 0; i < n; ++i) {
    const GitTreeEntry& e = tree.entries[i];
    const GitTreeEntry* before = nullptr;
    while (j < m) {
      const GitTreeEntry& o = old.entries[j];
      int c = compare_entries(o, e);
      if (c > 0) break;
      ++j;
      if (c == 0) {
        before = &o;
        break;
      }
    }
    if (before && same_object(*before, e)) continue;  // unchanged
    switch (e.type) {
      case GitEntryType::kTree: {
        const bool has_old = before && before->type == GitEntryType::kTree;
        if (!walk(e.id, e.number, has_old ? before->id : nullptr,
                  has_old ? before->number : kNone, e.name, depth + 1))
          return false;
        break;
      }
      case GitEntryType::kBlob: {
        GitDiffEntry b;
        b.number = number_of(e.id, e.number);
        if (b.number == kNone) std::memcpy(b.id.data(), e.id, b.id.size());
        std::string* error = &no_error;
        GitBlobSize size;
        if (sizes_) {
          size = git_blob_size(odb_, source_, b.number, e.id);
          if (size.ok) {
            b.size = size.size;
            b.hint = size.hint;
          } else {
            b.status = GitDiffEntry::Status::kNoSize;
            error = &size.error;
          }
        }
        if (!visitor_->blob(b, e.name, *error)) return false;
        break;
      }
      default:  // a submodule's commit: another repository
        break;
    }
  }
  return leave(GitDiffEntry::Status::kOk);
}

}  // namespace keysweep
