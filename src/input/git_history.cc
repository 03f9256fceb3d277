#include "input/git_history.h"

#include "input/git_blob_list.h"
#include "input/git_shallow.h"
#include "input/object_id_index.h"

#include <git2.h>

#include <cstring>
#include <unordered_set>

namespace keysweep {

namespace {

std::string git_error_text(int rc) {
  const git_error* e = git_error_last();
  return (e && e->message) ? e->message : ("libgit2 error " + std::to_string(rc));
}

// libgit2 needs one global init; it is reference counted, so every repository takes one.
struct LibGit2 {
  LibGit2() {
    git_libgit2_init();
    // Like `git cat-file`, read objects without re-hashing each one: SHA-1 (collision-detecting)
    // of every blob cost more than inflating it. A corrupt object is scanned as what it holds.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
  }
  ~LibGit2() { git_libgit2_shutdown(); }
};

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (p) Free(p);
  }
  T** out() { return &p; }
  T* get() const { return p; }
};

std::string hex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

GitObjectId raw_id(const git_oid* oid) {
  GitObjectId id;
  std::memcpy(id.data(), oid->id, id.size());
  return id;
}

using ObjectIdHash = GitObjectIdHash;

git_oid to_oid(const unsigned char* id) {
  git_oid oid;
  std::memcpy(oid.id, id, GIT_OID_RAWSZ);
  return oid;
}

using TreeEntry = GitTreeEntry;

struct TreeView {
  std::vector<TreeEntry> entries;
  git_tree* owned = nullptr;
  TreeView() = default;
  TreeView(const TreeView&) = delete;
  TreeView& operator=(const TreeView&) = delete;
  ~TreeView() { reset(); }
  void reset() {
    entries.clear();
    if (owned) git_tree_free(owned);
    owned = nullptr;
  }
};

// git_tree_entry_type's reading of a mode: gitlinks are commits, directories trees, the rest blobs.
GitEntryType type_of_mode(uint32_t mode) {
  if ((mode & 0170000) == 0160000) return GitEntryType::kCommit;
  if ((mode & 0170000) == 0040000) return GitEntryType::kTree;
  return GitEntryType::kBlob;
}

GitEntryType entry_type(git_object_t t) {
  if (t == GIT_OBJECT_TREE) return GitEntryType::kTree;
  if (t == GIT_OBJECT_BLOB) return GitEntryType::kBlob;
  return GitEntryType::kCommit;
}

}  // namespace

bool parse_git_tree(std::string_view raw, std::vector<GitTreeEntry>& out) {
  size_t pos = 0;
  while (pos < raw.size()) {
    uint32_t mode = 0;
    size_t digits = 0;
    while (pos < raw.size() && raw[pos] >= '0' && raw[pos] <= '7') {
      mode = mode * 8 + static_cast<uint32_t>(raw[pos++] - '0');
      if (++digits > 7) return false;
    }
    if (!digits || mode > 0xffff || pos >= raw.size() || raw[pos++] != ' ') return false;
    size_t nul = raw.find('\0', pos);
    if (nul == std::string_view::npos || raw.size() - nul - 1 < GIT_OID_RAWSZ) return false;
    out.push_back({raw.substr(pos, nul - pos),
                   reinterpret_cast<const unsigned char*>(raw.data() + nul + 1),
                   KnownObjectIds::kNone, type_of_mode(mode)});
    pos = nul + 1 + GIT_OID_RAWSZ;
  }
  return true;
}

std::string object_id_hex(const GitObjectId& id) {
  const git_oid oid = to_oid(id.data());
  return hex(&oid);
}

struct GitRepository::Impl {
  LibGit2 lib;
  git_repository* repo = nullptr;
  git_odb* odb = nullptr;  // opened on first read
  ~Impl() {
    if (odb) git_odb_free(odb);
    if (repo) git_repository_free(repo);
  }
};

GitRepository::~GitRepository() = default;

GitPackWindowLimit::GitPackWindowLimit(size_t limit) {
  git_libgit2_init();  // the options are libgit2's globals: held until the destructor
  git_libgit2_opts(GIT_OPT_GET_MWINDOW_SIZE, &old_window_);
  git_libgit2_opts(GIT_OPT_GET_MWINDOW_MAPPED_LIMIT, &old_limit_);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, limit / 4);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, limit);
}

GitPackWindowLimit::~GitPackWindowLimit() {
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, old_window_);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, old_limit_);
  git_libgit2_shutdown();
}

Result<std::unique_ptr<GitRepository>> GitRepository::open(const std::string& path) {
  std::unique_ptr<GitRepository> r(new GitRepository());
  r->impl_ = std::make_unique<Impl>();
  r->path_ = path;
  int rc = git_repository_open_ext(&r->impl_->repo, path.c_str(), 0, nullptr);
  if (rc != 0) return make_error(ErrorCode::kIo, "not a git repository: " + git_error_text(rc), path);
  return r;
}

namespace {

// Git's own trees are a few dozen levels deep at most; a crafted one could nest until the stack
// runs out.
constexpr int kMaxTreeDepth = 256;

// Lists each blob once, at its first sighting, into a GitBlobList (12 bytes a blob, commits and
// paths stored once; the seen-sets number ids instead of keeping them twice). The history walk
// visits the trees of each commit but skips any tree seen before: an unchanged directory costs one
// hash lookup, so a commit costs what it changed. A blob's first sighting, parents first, is the
// commit that introduced it; a rename, a copy or a merge bringing a parent's files adds no unseen
// object.
struct BlobCollector {
  git_repository* repo;
  git_odb* odb;
  const GitScanOptions& options;
  DiagnosticSink& diagnostics;
  GitWalkStats& stats;
  GitBlobList& list;
  const GitBlobListed& listed;
  const GitObjectSource* source;
  ObjectSeenSet seen_trees;
  uint32_t commit = GitBlobList::kStaged;  // the list's number for the commit being walked
  std::string path;  // of the tree being walked, with a trailing '/'
  std::string blob_path;  // reused for each blob's path, not one allocation a blob
  std::vector<std::unique_ptr<TreeView>> views;  // two a level (the tree, its parent's), reused

  // `known`: the blob's number in the source, or kNone.
  void add_blob(const git_oid* id, uint32_t known_number, const std::string& rel,
                const GitOrigin& origin_template) {
    auto [number, fresh] = list.seen().add(id->id, known_number);
    if (!fresh) return;
    size_t size = 0;
    git_object_t type = GIT_OBJECT_BLOB;
    std::optional<uint64_t> known =
        source && number < source->count() ? source->blob_size(number) : std::nullopt;
    if (known) size = *known;
    else if (git_odb_read_header(&size, &type, odb, id) != 0 || type != GIT_OBJECT_BLOB) {
      diagnostics.warn(DiagnosticKind::kMalformed, origin_template.short_commit() + ":" + rel,
                       "cannot read blob " + hex(id) + ": " + git_error_text(-1));
      return;
    }
    if (size > options.max_blob_size) {
      ++stats.skipped_large;
      GitOrigin origin = origin_template;
      origin.path = rel;
      diagnostics.warn(DiagnosticKind::kTooLarge, origin.display(),
                       "skipped: blob " + hex(id) + " is " + std::to_string(size) +
                           " bytes, over --max-file-size (" + std::to_string(options.max_blob_size) + ")");
      return;
    }
    ++stats.blobs;
    stats.blob_bytes += size;
    list.add(number, commit, rel);
    if (listed) listed(list, list.size() - 1);
  }

  // The tree's entries into `view`: from the source when it has them, else libgit2. `number`:
  // the tree's number in the source, or kNone (looked up).
  bool read_tree(const git_oid* id, uint32_t number, TreeView& view) {
    view.reset();
    if (source) {
      if (number == KnownObjectIds::kNone) number = source->find(id->id);
      if (number != KnownObjectIds::kNone && source->tree(number, view.entries)) return true;
    }
    view.entries.clear();
    if (int rc = git_tree_lookup(&view.owned, repo, id); rc != 0) {
      view.owned = nullptr;
      return false;
    }
    for (size_t i = 0, n = git_tree_entrycount(view.owned); i < n; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(view.owned, i);
      view.entries.push_back({git_tree_entry_name(e), git_tree_entry_id(e)->id,
                              KnownObjectIds::kNone, entry_type(git_tree_entry_type(e))});
    }
    return true;
  }

  // Walks `tree_id` against `old_id` (its first parent's tree at the same path, or null): an
  // entry the old tree has with the same id is unchanged and skipped without a lookup, so a
  // commit costs what it changed. `origin` null: only mark what the tree holds as seen (a
  // boundary commit of --since / --diff).
  // `number`, `old_number`: the trees' numbers in the source when the caller has them, or kNone.
  void walk_tree(const git_oid* tree_id, uint32_t number, const git_oid* old_id,
                 uint32_t old_number, const GitOrigin* origin, int depth) {
    auto [seen_number, fresh] = seen_trees.add(tree_id->id, number);
    if (!fresh) return;
    if (source && seen_number < source->count()) number = seen_number;
    if (depth > kMaxTreeDepth) {
      diagnostics.warn(DiagnosticKind::kLimit, path, "trees nested deeper than " +
                                                         std::to_string(kMaxTreeDepth) + "; not walked");
      return;
    }
    while (views.size() < static_cast<size_t>(depth + 1) * 2) views.push_back(std::make_unique<TreeView>());
    TreeView& tree = *views[depth * 2];
    TreeView& old = *views[depth * 2 + 1];
    if (!read_tree(tree_id, number, tree)) {
      // Where, as git names it (`398c18c:config/`), so `git show` can look; the rest of the
      // history is still walked.
      diagnostics.warn(DiagnosticKind::kMalformed,
                       origin ? origin->short_commit() + ":" + path : path,
                       "cannot read tree " + hex(tree_id) + ": " + git_error_text(-1));
      return;
    }
    if (!old_id || !read_tree(old_id, old_number, old)) old.reset();
    const size_t n = tree.entries.size(), m = old.entries.size();
    // Both trees are sorted in git's order, so one merge pass pairs the entries by name.
    for (size_t i = 0, j = 0; i < n; ++i) {
      const TreeEntry& e = tree.entries[i];
      const TreeEntry* before = nullptr;
      while (j < m) {
        const TreeEntry& o = old.entries[j];
        int c = compare_entries(o, e);
        if (c > 0) break;
        ++j;
        if (c == 0) {
          before = &o;
          break;
        }
      }
      if (before && std::memcmp(before->id, e.id, GIT_OID_RAWSZ) == 0) continue;  // unchanged
      const git_oid id = to_oid(e.id);
      switch (e.type) {
        case GitEntryType::kTree: {
          git_oid old_sub;
          bool has_old = before && before->type == GitEntryType::kTree;
          if (has_old) old_sub = to_oid(before->id);
          size_t len = path.size();
          path += e.name;
          path += '/';
          walk_tree(&id, e.number, has_old ? &old_sub : nullptr,
                    has_old ? before->number : KnownObjectIds::kNone, origin, depth + 1);
          path.resize(len);
          break;
        }
        case GitEntryType::kBlob:
          if (!origin) {
            list.seen().add(e.id, e.number);
          } else {
            blob_path.assign(path).append(e.name);
            add_blob(&id, e.number, blob_path, *origin);
          }
          break;
        default:  // a submodule's commit: another repository
          break;
      }
    }
  }

  // git's tree order: names compared bytewise, a tree's name as if it ended in '/'.
  static int compare_entries(const TreeEntry& a, const TreeEntry& b) {
    size_t k = std::min(a.name.size(), b.name.size());
    int c = std::memcmp(a.name.data(), b.name.data(), k);
    if (c) return c;
    auto next = [k](const TreeEntry& e) -> int {
      if (k < e.name.size()) return static_cast<unsigned char>(e.name[k]);
      return e.type == GitEntryType::kTree ? '/' : 0;
    };
    return next(a) - next(b);
  }

  // A commit against its first parent (nothing when marking, or for a root commit).
  void walk_commit(git_commit* commit, const GitOrigin* origin) {
    path.clear();
    if (origin)
      this->commit = list.add_commit(raw_id(git_commit_id(commit)), origin->author, origin->time);
    const git_oid* old = nullptr;
    git_oid parent_tree;
    Owned<git_commit, git_commit_free> parent;
    if (origin && git_commit_parentcount(commit) > 0 &&
        git_commit_parent(parent.out(), commit, 0) == 0) {
      git_oid_cpy(&parent_tree, git_commit_tree_id(parent.get()));
      old = &parent_tree;
    }
    walk_tree(git_commit_tree_id(commit), KnownObjectIds::kNone, old, KnownObjectIds::kNone, origin,
              0);
  }

  // Staged: what the index holds that HEAD does not (a rename of committed content is not new).
  void add_diff(git_diff* diff, const GitOrigin& origin) {
    size_t n = git_diff_num_deltas(diff);
    std::unordered_set<GitObjectId, ObjectIdHash> moved;
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff, i);
      if (d->status == GIT_DELTA_DELETED) moved.insert(raw_id(&d->old_file.id));
    }
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff, i);
      if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_UNMODIFIED) continue;
      const git_diff_file& f = d->new_file;
      if (f.mode == GIT_FILEMODE_COMMIT || f.mode == GIT_FILEMODE_TREE) continue;  // submodules
      if (git_oid_is_zero(&f.id) || moved.contains(raw_id(&f.id))) continue;  // intent-to-add; moved
      add_blob(&f.id, KnownObjectIds::kNone, f.path ? f.path : "", origin);
    }
  }
};

GitOrigin origin_of(git_commit* c) {
  GitOrigin o;
  o.commit = hex(git_commit_id(c));
  const git_signature* a = git_commit_author(c);
  if (a) {
    o.author = std::string(a->name ? a->name : "") + " <" + (a->email ? a->email : "") + ">";
    o.time = a->when.time;
  }
  return o;
}

Result<git_oid> peel_to_commit(git_object* obj, const std::string& rev, const std::string& path) {
  Owned<git_object, git_object_free> commit;
  if (int rc = git_object_peel(commit.out(), obj, GIT_OBJECT_COMMIT); rc != 0)
    return make_error(ErrorCode::kConfig, "'" + rev + "' is not a commit: " + git_error_text(rc), path);
  return *git_object_id(commit.get());
}

Result<git_oid> resolve_commit(git_repository* repo, const std::string& rev, const std::string& path) {
  Owned<git_object, git_object_free> obj;
  if (int rc = git_revparse_single(obj.out(), repo, rev.c_str()); rc != 0)
    return make_error(ErrorCode::kConfig, "unknown revision '" + rev + "': " + git_error_text(rc), path);
  return peel_to_commit(obj.get(), rev, path);
}

}  // namespace

Result<void> GitRepository::walk_blobs(const GitScanOptions& options, DiagnosticSink& diagnostics,
                                       GitWalkStats& stats, GitBlobList& list,
                                       const GitBlobListed& listed,
                                       const GitObjectSource* source) {
  git_repository* repo = impl_->repo;
  Owned<git_odb, git_odb_free> odb;
  if (int rc = git_repository_odb(odb.out(), repo); rc != 0)
    return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  BlobCollector collect{repo, odb.get(), options, diagnostics, stats, list, listed, source, {},
                        GitBlobList::kStaged, {}, {}, {}};
  // Objects the source numbers are seen as one bit each, their ids not copied.
  collect.seen_trees.use_known(source);
  list.seen().use_known(source);
  list.spill_past(options.list_memory);

  if (options.staged) {
    Owned<git_index, git_index_free> index;
    if (int rc = git_repository_index(index.out(), repo); rc != 0)
      return make_error(ErrorCode::kIo, "cannot read the index: " + git_error_text(rc), path_);
    Owned<git_object, git_object_free> head_tree;  // none on an unborn HEAD: all staged is new
    git_revparse_single(head_tree.out(), repo, "HEAD^{tree}");
    git_diff_options diff_opts = GIT_DIFF_OPTIONS_INIT;
    diff_opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;
    Owned<git_diff, git_diff_free> diff;
    if (int rc = git_diff_tree_to_index(diff.out(), repo,
                                        reinterpret_cast<git_tree*>(head_tree.get()), index.get(),
                                        &diff_opts);
        rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    GitOrigin staged;
    staged.staged = true;
    collect.add_diff(diff.get(), staged);
    return {};
  }

  // Where the walk starts (none: every ref and HEAD) and what it leaves out.
  std::vector<git_oid> tips, hidden;
  if (!options.range.empty()) {
    git_revspec spec;
    if (int rc = git_revparse(&spec, repo, options.range.c_str()); rc != 0)
      return make_error(ErrorCode::kConfig, "bad range '" + options.range + "': " + git_error_text(rc), path_);
    Owned<git_object, git_object_free> from, to;
    from.p = spec.from;
    to.p = spec.to;
    if (!(spec.flags & GIT_REVSPEC_RANGE) || (spec.flags & GIT_REVSPEC_MERGE_BASE) || !from.p || !to.p)
      return make_error(ErrorCode::kConfig, "--diff wants a range A..B, got '" + options.range + "'", path_);
    auto a = peel_to_commit(from.get(), options.range, path_);
    if (!a) return std::unexpected(a.error());
    auto b = peel_to_commit(to.get(), options.range, path_);
    if (!b) return std::unexpected(b.error());
    tips.push_back(*b);
    hidden.push_back(*a);
  } else {
    for (const auto& ref : options.refs) {
      auto id = resolve_commit(repo, ref, path_);
      if (!id) return std::unexpected(id.error());
      tips.push_back(*id);
    }
    if (!options.since.empty()) {
      auto id = resolve_commit(repo, options.since, path_);
      if (!id) return std::unexpected(id.error());
      hidden.push_back(*id);
    }
  }

  // Parents before children, so a blob's first sighting is the commit that introduced it.
  std::vector<git_oid> shallow_order;
  size_t shallow_next = 0;
  Owned<git_revwalk, git_revwalk_free> walk;
  if (is_shallow_clone(repo)) {
    auto order = shallow_commit_order(repo, tips, hidden);
    if (!order) return std::unexpected(order.error());
    shallow_order = std::move(*order);
  } else {
    if (int rc = git_revwalk_new(walk.out(), repo); rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
    if (tips.empty() && options.range.empty()) {
      git_revwalk_push_glob(walk.get(), "*");  // every ref under refs/
      git_revwalk_push_head(walk.get());       // fails harmlessly on an unborn HEAD
    }
    for (const auto& id : tips) git_revwalk_push(walk.get(), &id);
    for (const auto& id : hidden) git_revwalk_hide(walk.get(), &id);
  }
  git_error_clear();
  auto next = [&](git_oid* out) -> int {
    if (!walk.get()) {
      if (shallow_next == shallow_order.size()) return GIT_ITEROVER;
      *out = shallow_order[shallow_next++];
      return 0;
    }
    return git_revwalk_next(out, walk.get());
  };

  // A parent the walk did not visit is on the boundary (hidden by --since / --diff): what its
  // tree holds was there before, so it is marked seen, not reported. In a full walk every parent
  // comes first; a shallow clone's missing parents are simply absent.
  std::unordered_set<GitObjectId, ObjectIdHash> visited;
  git_oid oid;
  int rc;
  while ((rc = next(&oid)) == 0) {
    Owned<git_commit, git_commit_free> commit;
    if (int lrc = git_commit_lookup(commit.out(), repo, &oid); lrc != 0) {
      diagnostics.warn(DiagnosticKind::kMalformed, path_ + "@" + hex(&oid),
                       "cannot read commit: " + git_error_text(lrc));
      continue;
    }
    ++stats.commits;
    visited.insert(raw_id(&oid));
    for (unsigned p = 0, n = git_commit_parentcount(commit.get()); p < n; ++p) {
      const git_oid* pid = git_commit_parent_id(commit.get(), p);
      if (!pid || visited.contains(raw_id(pid))) continue;
      Owned<git_commit, git_commit_free> parent;
      if (git_commit_lookup(parent.out(), repo, pid) == 0)
        collect.walk_commit(parent.get(), nullptr);
      git_error_clear();
    }
    GitOrigin origin = origin_of(commit.get());
    collect.walk_commit(commit.get(), &origin);
  }
  if (rc != GIT_ITEROVER)
    return make_error(ErrorCode::kIo, "walking the history failed: " + git_error_text(rc), path_);
  return {};
}

Result<GitBlobBytes> GitRepository::read_blob(const GitObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.data(), id.size());
  if (!impl_->odb)
    if (int rc = git_repository_odb(&impl_->odb, impl_->repo); rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  // Straight from the object database: the repository's object cache would only lock, parse
  // and hold blobs that are read once.
  git_odb_object* object = nullptr;
  if (int rc = git_odb_read(&object, impl_->odb, &oid); rc != 0)
    return make_error(ErrorCode::kIo, "cannot read blob " + hex(&oid) + ": " + git_error_text(rc), path_);
  GitBlobBytes out;
  out.bytes = std::string_view(static_cast<const char*>(git_odb_object_data(object)),
                               git_odb_object_size(object));
  out.owner = std::shared_ptr<const void>(object, [](const void* o) {
    git_odb_object_free(static_cast<git_odb_object*>(const_cast<void*>(o)));
  });
  return out;
}

std::string GitRepository::objects_dir() {
  return std::string(git_repository_commondir(impl_->repo)) + "objects/";
}

GitRepositoryInfo GitRepository::info() {
  git_repository* repo = impl_->repo;
  GitRepositoryInfo i;
  if (const char* w = git_repository_workdir(repo)) i.workdir = w;
  if (const char* g = git_repository_path(repo)) i.gitdir = g;
  Owned<git_remote, git_remote_free> remote;
  if (git_remote_lookup(remote.out(), repo, "origin") == 0 && git_remote_url(remote.get()))
    i.origin_url = git_remote_url(remote.get());
  Owned<git_reference, git_reference_free> head;
  if (git_repository_head(head.out(), repo) == 0) {
    if (const git_oid* id = git_reference_target(head.get())) i.head = hex(id);
    if (git_reference_is_branch(head.get())) i.branch = git_reference_shorthand(head.get());
  }
  git_error_clear();
  return i;
}

std::string GitRepository::hooks_dir() {
  git_repository* repo = impl_->repo;
  Owned<git_config, git_config_free> config;
  if (git_repository_config_snapshot(config.out(), repo) == 0) {
    const char* value = nullptr;
    if (git_config_get_string(&value, config.get(), "core.hooksPath") == 0 && value && *value) {
      std::string v = value;
      if (v.front() == '/') return v;
      // Relative to where hooks run: the top of the work tree (the git dir when bare).
      const char* base = git_repository_workdir(repo);
      return std::string(base ? base : git_repository_path(repo)) + v;
    }
  }
  git_error_clear();
  // GITDIR/hooks; in a linked worktree, the common dir's, as git itself uses.
  return std::string(git_repository_commondir(repo)) + "hooks";
}

}  // namespace keysweep
