#include "input/git_history.h"

#include <git2.h>

#include <mutex>
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

}  // namespace

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

// Collects the new side of every added or changed blob in a diff, first sighting only.
struct BlobCollector {
  git_odb* odb;
  const GitScanOptions& options;
  DiagnosticSink& diagnostics;
  GitWalkStats& stats;
  std::unordered_set<std::string> seen;  // raw 20-byte ids
  std::vector<GitBlob> out;

  void add_diff(git_diff* diff, const GitOrigin& origin_template) {
    size_t n = git_diff_num_deltas(diff);
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff, i);
      if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_UNMODIFIED) continue;
      const git_diff_file& f = d->new_file;
      if (f.mode == GIT_FILEMODE_COMMIT || f.mode == GIT_FILEMODE_TREE) continue;  // submodules
      if (git_oid_is_zero(&f.id)) continue;
      std::string key(reinterpret_cast<const char*>(f.id.id), GIT_OID_RAWSZ);
      if (!seen.insert(key).second) continue;
      size_t size = 0;
      git_object_t type;
      if (git_odb_read_header(&size, &type, odb, &f.id) != 0 || type != GIT_OBJECT_BLOB) continue;
      GitOrigin origin = origin_template;
      origin.path = f.path ? f.path : "";
      if (size > options.max_blob_size) {
        ++stats.skipped_large;
        diagnostics.warn(DiagnosticKind::kTooLarge, origin.path + " (blob " + hex(&f.id) + ")",
                         "skipped: " + std::to_string(size) + " bytes is over the size limit");
        continue;
      }
      ++stats.blobs;
      stats.blob_bytes += size;
      out.push_back(GitBlob{hex(&f.id), size, std::move(origin)});
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

}  // namespace

Result<std::vector<GitBlob>> GitRepository::list_blobs(const GitScanOptions& options,
                                                       DiagnosticSink& diagnostics,
                                                       GitWalkStats& stats) {
  git_repository* repo = impl_->repo;
  Owned<git_odb, git_odb_free> odb;
  if (int rc = git_repository_odb(odb.out(), repo); rc != 0)
    return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  BlobCollector collect{odb.get(), options, diagnostics, stats, {}, {}};
  git_diff_options diff_opts = GIT_DIFF_OPTIONS_INIT;
  diff_opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;

  if (options.staged) {
    Owned<git_index, git_index_free> index;
    if (int rc = git_repository_index(index.out(), repo); rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    Owned<git_tree, git_tree_free> head_tree;
    Owned<git_object, git_object_free> head;
    if (git_revparse_single(head.out(), repo, "HEAD^{tree}") == 0)
      head_tree.p = reinterpret_cast<git_tree*>(head.p), head.p = nullptr;  // unborn HEAD: none
    Owned<git_diff, git_diff_free> diff;
    if (int rc = git_diff_tree_to_index(diff.out(), repo, head_tree.get(), index.get(), &diff_opts);
        rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    GitOrigin staged;
    staged.commit = "(staged)";
    collect.add_diff(diff.get(), staged);
    return std::move(collect.out);
  }

  Owned<git_revwalk, git_revwalk_free> walk;
  if (int rc = git_revwalk_new(walk.out(), repo); rc != 0)
    return make_error(ErrorCode::kIo, git_error_text(rc), path_);
  // Parents before children, so a blob's first sighting is the commit that introduced it.
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  if (!options.range.empty()) {
    if (int rc = git_revwalk_push_range(walk.get(), options.range.c_str()); rc != 0)
      return make_error(ErrorCode::kConfig, "bad range '" + options.range + "': " + git_error_text(rc), path_);
  } else {
    if (options.refs.empty()) {
      git_revwalk_push_glob(walk.get(), "*");  // every ref under refs/
      git_revwalk_push_head(walk.get());       // fails harmlessly on an unborn HEAD
    }
    for (const auto& ref : options.refs) {
      Owned<git_object, git_object_free> obj;
      if (int rc = git_revparse_single(obj.out(), repo, ref.c_str()); rc != 0)
        return make_error(ErrorCode::kConfig, "unknown ref '" + ref + "': " + git_error_text(rc), path_);
      git_revwalk_push(walk.get(), git_object_id(obj.get()));
    }
    if (!options.since.empty()) {
      Owned<git_object, git_object_free> obj;
      if (int rc = git_revparse_single(obj.out(), repo, options.since.c_str()); rc != 0)
        return make_error(ErrorCode::kConfig, "unknown revision '" + options.since + "': " + git_error_text(rc), path_);
      git_revwalk_hide(walk.get(), git_object_id(obj.get()));
    }
  }

  git_oid oid;
  while (git_revwalk_next(&oid, walk.get()) == 0) {
    Owned<git_commit, git_commit_free> commit;
    if (git_commit_lookup(commit.out(), repo, &oid) != 0) continue;
    ++stats.commits;
    Owned<git_tree, git_tree_free> tree, parent_tree;
    if (git_commit_tree(tree.out(), commit.get()) != 0) continue;
    // Against the first parent: what a merge brings from its other parents was already listed
    // when those commits were walked; what the merge itself resolves shows up here.
    if (git_commit_parentcount(commit.get()) > 0) {
      Owned<git_commit, git_commit_free> parent;
      if (git_commit_parent(parent.out(), commit.get(), 0) == 0)
        git_commit_tree(parent_tree.out(), parent.get());
    }
    Owned<git_diff, git_diff_free> diff;
    if (git_diff_tree_to_tree(diff.out(), repo, parent_tree.get(), tree.get(), &diff_opts) != 0) {
      diagnostics.warn(DiagnosticKind::kMalformed, path_ + "@" + hex(&oid),
                       "cannot diff commit: " + git_error_text(-1));
      continue;
    }
    collect.add_diff(diff.get(), origin_of(commit.get()));
  }
  return std::move(collect.out);
}

Result<std::string> GitRepository::read_blob(const std::string& oid_hex) {
  git_oid oid;
  if (git_oid_fromstr(&oid, oid_hex.c_str()) != 0)
    return make_error(ErrorCode::kInternal, "bad object id " + oid_hex);
  Owned<git_blob, git_blob_free> blob;
  if (int rc = git_blob_lookup(blob.out(), impl_->repo, &oid); rc != 0)
    return make_error(ErrorCode::kIo, "cannot read blob " + oid_hex + ": " + git_error_text(rc), path_);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<size_t>(git_blob_rawsize(blob.get())));
}

}  // namespace keysweep
