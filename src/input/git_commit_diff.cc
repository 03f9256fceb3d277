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

uint32_t GitTreeDiffer::add_name(std::string_view name) {
  const auto start = static_cast<uint32_t>(out_->names.size());
  out_->names.append(name);
  return start;
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

void GitTreeDiffer::diff(const git_oid* tree, const git_oid* old, bool sizes, GitCommitDiff& out) {
  out.clear();
  out_ = &out;
  sizes_ = sizes;
  walk(tree->id, kNone, old ? old->id : nullptr, kNone, {}, 0);
  out_ = nullptr;
}

// An entry the old tree has with the same id is unchanged and left out, so a commit costs what it
// changed.
void GitTreeDiffer::walk(const unsigned char* id, uint32_t number, const unsigned char* old_id,
                         uint32_t old_number, std::string_view name, int depth) {
  const auto at = static_cast<uint32_t>(out_->entries.size());
  {
    GitDiffEntry e;
    e.kind = GitDiffEntry::Kind::kTree;
    e.number = number = number_of(id, number);
    e.name_start = add_name(name);
    e.name_size = static_cast<uint32_t>(name.size());
    std::memcpy(e.id.data(), id, e.id.size());
    out_->entries.push_back(e);
  }
  auto finish = [&](GitDiffEntry::Status status) {
    GitDiffEntry& e = out_->entries[at];
    e.status = status;
    if (status == GitDiffEntry::Status::kUnreadable) {
      e.error = static_cast<uint32_t>(out_->errors.size());
      out_->errors.push_back(last_error_text());
    }
    e.end = static_cast<uint32_t>(out_->entries.size());
  };
  if (depth > kMaxTreeDepth) return finish(GitDiffEntry::Status::kTooDeep);
  while (views_.size() < static_cast<size_t>(depth + 1) * 2)
    views_.push_back(std::make_unique<TreeView>());
  TreeView& tree = *views_[depth * 2];
  TreeView& old = *views_[depth * 2 + 1];
  if (!read_tree(id, number, tree)) return finish(GitDiffEntry::Status::kUnreadable);
  if (!old_id || !read_tree(old_id, number_of(old_id, old_number), old)) old.reset();
  const size_t n = tree.entries.size(), m = old.entries.size();
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
    if (before && std::memcmp(before->id, e.id, GIT_OID_RAWSZ) == 0) continue;  // unchanged
    switch (e.type) {
      case GitEntryType::kTree: {
        const bool has_old = before && before->type == GitEntryType::kTree;
        walk(e.id, e.number, has_old ? before->id : nullptr,
             has_old ? before->number : kNone, e.name, depth + 1);
        break;
      }
      case GitEntryType::kBlob: {
        GitDiffEntry b;
        b.number = number_of(e.id, e.number);
        b.name_start = add_name(e.name);
        b.name_size = static_cast<uint32_t>(e.name.size());
        std::memcpy(b.id.data(), e.id, b.id.size());
        if (sizes_) {
          GitBlobSize size = git_blob_size(odb_, source_, b.number, e.id);
          if (size.ok) {
            b.size = size.size;
            b.hint = size.hint;
          } else {
            b.status = GitDiffEntry::Status::kNoSize;
            b.error = static_cast<uint32_t>(out_->errors.size());
            out_->errors.push_back(std::move(size.error));
          }
        }
        out_->entries.push_back(b);
        break;
      }
      default:  // a submodule's commit: another repository
        break;
    }
  }
  finish(GitDiffEntry::Status::kOk);
}

}  // namespace keysweep
