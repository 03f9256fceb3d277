#include "input/git_history.h"

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
  LibGit2() { git_libgit2_init(); }
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

struct ObjectIdHash {
  size_t operator()(const GitObjectId& id) const {
    size_t h;  // object ids are already uniformly distributed
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

}  // namespace

std::string GitBlob::hex() const {
  git_oid oid;
  std::memcpy(oid.id, id.data(), id.size());
  return keysweep::hex(&oid);
}

struct GitRepository::Impl {
  LibGit2 lib;
  git_repository* repo = nullptr;
  ~Impl() {
    if (repo) git_repository_free(repo);
  }
};

GitRepository::~GitRepository() = default;

Result<std::unique_ptr<GitRepository>> GitRepository::open(const std::string& path) {
  std::unique_ptr<GitRepository> r(new GitRepository());
  r->impl_ = std::make_unique<Impl>();
  r->path_ = path;
  int rc = git_repository_open_ext(&r->impl_->repo, path.c_str(), 0, nullptr);
  if (rc != 0) return make_error(ErrorCode::kIo, "not a git repository: " + git_error_text(rc), path);
  return r;
}

namespace {

// Emits the new side of every added or changed blob in a diff, first sighting only.
struct BlobCollector {
  git_odb* odb;
  const GitScanOptions& options;
  DiagnosticSink& diagnostics;
  GitWalkStats& stats;
  const std::function<void(GitBlob)>& emit;
  std::unordered_set<GitObjectId, ObjectIdHash> seen;

  // `other_parents`: a merge's parents after the first. A blob one of them already has at the
  // same path came with that parent (walked before, or hidden by --since/--diff because the base
  // has it); only what the merge itself resolves is new.
  void add_diff(git_diff* diff, const GitOrigin& origin_template,
                const std::vector<git_tree*>& other_parents) {
    size_t n = git_diff_num_deltas(diff);
    // Content deleted at one path and added at another was moved: a rename brings nothing new,
    // even when the walk starts after the commit that introduced it (--since, --diff).
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
      if (git_oid_is_zero(&f.id)) continue;  // intent-to-add: nothing staged yet
      GitObjectId id = raw_id(&f.id);
      if (seen.contains(id) || moved.contains(id)) continue;
      if (f.path && from_other_parent(f.path, &f.id, other_parents)) continue;
      seen.insert(id);
      size_t size = 0;
      git_object_t type;
      if (git_odb_read_header(&size, &type, odb, &f.id) != 0 || type != GIT_OBJECT_BLOB) continue;
      GitOrigin origin = origin_template;
      origin.path = f.path ? f.path : "";
      if (size > options.max_blob_size) {
        ++stats.skipped_large;
        diagnostics.warn(DiagnosticKind::kTooLarge, origin.display(),
                         "skipped: blob " + hex(&f.id) + " is " + std::to_string(size) +
                             " bytes, over --max-file-size (" +
                             std::to_string(options.max_blob_size) + ")");
        continue;
      }
      ++stats.blobs;
      stats.blob_bytes += size;
      emit(GitBlob{id, size, std::move(origin)});
    }
  }

  static bool from_other_parent(const char* path, const git_oid* id,
                                const std::vector<git_tree*>& parents) {
    for (git_tree* t : parents) {
      git_tree_entry* e = nullptr;
      if (git_tree_entry_bypath(&e, t, path) != 0) continue;
      bool same = git_oid_equal(git_tree_entry_id(e), id);
      git_tree_entry_free(e);
      if (same) return true;
    }
    return false;
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

Result<git_oid> resolve_commit(git_repository* repo, const std::string& rev, const std::string& path) {
  Owned<git_object, git_object_free> obj;
  if (int rc = git_revparse_single(obj.out(), repo, rev.c_str()); rc != 0)
    return make_error(ErrorCode::kConfig, "unknown revision '" + rev + "': " + git_error_text(rc), path);
  Owned<git_object, git_object_free> commit;
  if (int rc = git_object_peel(commit.out(), obj.get(), GIT_OBJECT_COMMIT); rc != 0)
    return make_error(ErrorCode::kConfig, "'" + rev + "' is not a commit: " + git_error_text(rc), path);
  return *git_object_id(commit.get());
}

}  // namespace

Result<void> GitRepository::walk_blobs(const GitScanOptions& options, DiagnosticSink& diagnostics,
                                       GitWalkStats& stats,
                                       const std::function<void(GitBlob)>& emit) {
  git_repository* repo = impl_->repo;
  Owned<git_odb, git_odb_free> odb;
  if (int rc = git_repository_odb(odb.out(), repo); rc != 0)
    return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  BlobCollector collect{odb.get(), options, diagnostics, stats, emit, {}};
  git_diff_options diff_opts = GIT_DIFF_OPTIONS_INIT;
  diff_opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;

  if (options.staged) {
    Owned<git_index, git_index_free> index;
    if (int rc = git_repository_index(index.out(), repo); rc != 0)
      return make_error(ErrorCode::kIo, "cannot read the index: " + git_error_text(rc), path_);
    Owned<git_object, git_object_free> head_tree;  // none on an unborn HEAD: all staged is new
    git_revparse_single(head_tree.out(), repo, "HEAD^{tree}");
    Owned<git_diff, git_diff_free> diff;
    if (int rc = git_diff_tree_to_index(diff.out(), repo,
                                        reinterpret_cast<git_tree*>(head_tree.get()), index.get(),
                                        &diff_opts);
        rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    GitOrigin staged;
    staged.staged = true;
    collect.add_diff(diff.get(), staged, {});
    return {};
  }

  Owned<git_revwalk, git_revwalk_free> walk;
  if (int rc = git_revwalk_new(walk.out(), repo); rc != 0)
    return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  // Parents before children, so a blob's first sighting is the commit that introduced it.
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
  if (!options.range.empty()) {
    if (int rc = git_revwalk_push_range(walk.get(), options.range.c_str()); rc != 0)
      return make_error(ErrorCode::kConfig,
                        "bad range '" + options.range + "' (want A..B): " + git_error_text(rc), path_);
  } else {
    if (options.refs.empty()) {
      git_revwalk_push_glob(walk.get(), "*");  // every ref under refs/
      git_revwalk_push_head(walk.get());       // fails harmlessly on an unborn or detached HEAD
    }
    for (const auto& ref : options.refs) {
      auto id = resolve_commit(repo, ref, path_);
      if (!id) return std::unexpected(id.error());
      git_revwalk_push(walk.get(), &*id);
    }
    if (!options.since.empty()) {
      auto id = resolve_commit(repo, options.since, path_);
      if (!id) return std::unexpected(id.error());
      git_revwalk_hide(walk.get(), &*id);
    }
  }

  git_oid oid;
  int rc;
  while ((rc = git_revwalk_next(&oid, walk.get())) == 0) {
    Owned<git_commit, git_commit_free> commit;
    if (git_commit_lookup(commit.out(), repo, &oid) != 0) continue;
    ++stats.commits;
    Owned<git_tree, git_tree_free> tree;
    if (git_commit_tree(tree.out(), commit.get()) != 0) continue;
    // Against the first parent (a root commit, or one whose parent a shallow clone lacks, against
    // nothing: all of it is new); the other parents of a merge filter what it brings along.
    unsigned parents = git_commit_parentcount(commit.get());
    std::vector<Owned<git_tree, git_tree_free>> parent_trees(parents);
    std::vector<git_tree*> others;
    for (unsigned p = 0; p < parents; ++p) {
      Owned<git_commit, git_commit_free> parent;
      if (git_commit_parent(parent.out(), commit.get(), p) != 0) continue;
      if (git_commit_tree(parent_trees[p].out(), parent.get()) != 0) continue;
      if (p > 0) others.push_back(parent_trees[p].get());
    }
    Owned<git_diff, git_diff_free> diff;
    git_tree* first = parents ? parent_trees[0].get() : nullptr;
    if (int drc = git_diff_tree_to_tree(diff.out(), repo, first, tree.get(), &diff_opts); drc != 0) {
      diagnostics.warn(DiagnosticKind::kMalformed, path_ + "@" + hex(&oid),
                       "cannot diff commit: " + git_error_text(drc));
      continue;
    }
    collect.add_diff(diff.get(), origin_of(commit.get()), others);
  }
  if (rc != GIT_ITEROVER)
    return make_error(ErrorCode::kIo, "walking the history failed: " + git_error_text(rc), path_);
  return {};
}

Result<std::vector<GitBlob>> GitRepository::list_blobs(const GitScanOptions& options,
                                                       DiagnosticSink& diagnostics,
                                                       GitWalkStats& stats) {
  std::vector<GitBlob> out;
  auto r = walk_blobs(options, diagnostics, stats, [&](GitBlob b) { out.push_back(std::move(b)); });
  if (!r) return std::unexpected(r.error());
  return out;
}

Result<GitBlobBytes> GitRepository::read_blob(const GitObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.data(), id.size());
  git_blob* blob = nullptr;
  if (int rc = git_blob_lookup(&blob, impl_->repo, &oid); rc != 0)
    return make_error(ErrorCode::kIo, "cannot read blob " + hex(&oid) + ": " + git_error_text(rc), path_);
  GitBlobBytes out;
  out.bytes = std::string_view(static_cast<const char*>(git_blob_rawcontent(blob)),
                               static_cast<size_t>(git_blob_rawsize(blob)));
  out.owner = std::shared_ptr<const void>(blob, [](const void* b) {
    git_blob_free(static_cast<git_blob*>(const_cast<void*>(b)));
  });
  return out;
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
