#include "input/git_history.h"

#include "input/git_blob_list.h"
#include "input/git_commit_diff.h"
#include "input/git_shallow.h"
#include "input/libgit2_session.h"
#include "input/object_id_index.h"

#include <git2.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace keysweep {

namespace {

std::string git_error_text(int rc) {
  const git_error* e = git_error_last();
  return (e && e->message) ? e->message : ("libgit2 error " + std::to_string(rc));
}

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

// git_tree_entry_type's reading of a mode: gitlinks are commits, directories trees, the rest blobs.
GitEntryType type_of_mode(uint32_t mode) {
  if ((mode & 0170000) == 0160000) return GitEntryType::kCommit;
  if ((mode & 0170000) == 0040000) return GitEntryType::kTree;
  return GitEntryType::kBlob;
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
  LibGit2Session lib;  // before the handles below, freed after them
  git_repository* repo = nullptr;
  git_odb* odb = nullptr;  // opened on first read
  ~Impl() {
    if (odb) git_odb_free(odb);
    if (repo) git_repository_free(repo);
  }
};

GitRepository::~GitRepository() = default;

GitPackWindowLimit::GitPackWindowLimit(size_t limit) {
  // The options are libgit2's globals: the session (a member) holds them until the destructor.
  git_libgit2_opts(GIT_OPT_GET_MWINDOW_SIZE, &old_window_);
  git_libgit2_opts(GIT_OPT_GET_MWINDOW_MAPPED_LIMIT, &old_limit_);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, limit / 4);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, limit);
}

GitPackWindowLimit::~GitPackWindowLimit() {
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, old_window_);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, old_limit_);
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

// Lists each blob once, at its first sighting, into a GitBlobList (12 bytes a blob, commits and
// paths stored once; the seen-sets number ids instead of keeping them twice). The history walk
// replays each commit's diff against its first parent (GitCommitDiff, read on any thread) and
// skips any tree seen before: an unchanged directory costs one lookup, so a commit costs what it
// changed. A blob's first sighting, parents first, is the commit that introduced it; a rename, a
// copy or a merge bringing a parent's files adds no unseen object. Only this replay decides what
// is new, on one thread, in commit order.
struct BlobCollector final : GitDiffVisitor {
  BlobCollector(const GitScanOptions& o, DiagnosticSink& d, GitWalkStats& s, GitBlobList& l,
                const GitBlobListed& cb, git_odb* db, const GitObjectSource* src)
      : options(o), diagnostics(d), stats(s), list(l), listed(cb), odb(db), source(src) {}
  const GitScanOptions& options;
  DiagnosticSink& diagnostics;
  GitWalkStats& stats;
  GitBlobList& list;
  const GitBlobListed& listed;
  git_odb* odb;  // the replay thread's, for the sizes of a streamed diff's fresh blobs
  const GitObjectSource* source;
  ObjectSeenSet seen_trees;
  uint32_t commit = GitBlobList::kStaged;  // the list's number for the commit being walked
  // The commit being replayed; null: only mark what its diff holds as seen (a boundary commit
  // of --since / --diff).
  const GitOrigin* origin = nullptr;
  bool sizes_here = false;  // a streamed diff: its blobs come unsized, fresh ones are sized here
  std::string path;  // of the tree being replayed, with a trailing '/'
  std::string blob_path;  // reused for each blob's path, not one allocation a blob
  std::vector<size_t> open;  // the path's length before each open tree's name

  // A blob the seen-set has just numbered `number`, to list unless its size says otherwise.
  void add_fresh_blob(uint32_t number, const unsigned char* raw, const std::string& rel,
                      const GitOrigin& origin_template, const GitBlobSize& size) {
    if (!size.ok) {
      const git_oid id = to_oid(raw);  // `raw` may be in the pack index: read only when named
      diagnostics.warn(DiagnosticKind::kMalformed, origin_template.short_commit() + ":" + rel,
                       "cannot read blob " + hex(&id) + ": " + size.error);
      return;
    }
    if (size.size > options.max_blob_size) {
      const git_oid id = to_oid(raw);
      ++stats.skipped_large;
      GitOrigin origin = origin_template;
      origin.path = rel;
      diagnostics.warn(DiagnosticKind::kTooLarge, origin.display(),
                       "skipped: blob " + hex(&id) + " is " + std::to_string(size.size) +
                           " bytes, over --max-file-size (" + std::to_string(options.max_blob_size) + ")");
      return;
    }
    ++stats.blobs;
    stats.blob_bytes += size.size;
    list.add(number, commit, rel);
    if (listed) listed(list, list.size() - 1, size.hint);
  }

  // The replay, entry by entry, whether the diff was read ahead (replay) or is read now (stream):
  // a tree seen before is skipped with everything under it.
  Step enter_tree(const GitDiffEntry& e, std::string_view name) override {
    if (!seen_trees.add(e.id.data(), e.number).second) return Step::kSkip;
    const bool root = open.empty();
    open.push_back(path.size());
    if (!root) path.append(name).push_back('/');
    return Step::kEnter;
  }
  std::string id_hex(const GitDiffEntry& e) const {
    const git_oid id = to_oid(git_diff_entry_id(e, source));
    return hex(&id);
  }
  void leave_tree(const GitDiffEntry& e, const std::string& error) override {
    if (e.status == GitDiffEntry::Status::kTooDeep)
      diagnostics.warn(DiagnosticKind::kLimit, path,
                       "trees nested deeper than " +
                           std::to_string(GitTreeDiffer::kMaxTreeDepth) + "; not walked");
    else if (e.status == GitDiffEntry::Status::kUnreadable)
      // Where, as git names it (`398c18c:config/`), so `git show` can look; the rest of the
      // history is still walked.
      diagnostics.warn(DiagnosticKind::kMalformed,
                       origin ? origin->short_commit() + ":" + path : path,
                       "cannot read tree " + id_hex(e) + ": " + error);
    path.resize(open.back());
    open.pop_back();
  }
  bool blob(const GitDiffEntry& e, std::string_view name, const std::string& error) override {
    if (!origin) {
      list.seen().add(e.id.data(), e.number);
      return true;
    }
    auto [number, fresh] = list.seen().add(e.id.data(), e.number);
    if (!fresh) return true;
    blob_path.assign(path).append(name);
    GitBlobSize size;
    if (sizes_here) {
      size = git_blob_size(odb, source, e.number, git_diff_entry_id(e, source));
    } else {
      size.ok = e.status == GitDiffEntry::Status::kOk;
      size.size = e.size;
      size.hint = e.hint;
      if (!size.ok) size.error = error;
    }
    add_fresh_blob(number, git_diff_entry_id(e, source), blob_path, *origin, size);
    return true;
  }

  // Replays one commit's diff read ahead (a tree's status is known when it is met: one not read
  // holds nothing, so it is left at once).
  void replay(const GitCommitDiff& diff, const GitOrigin* commit_origin) {
    origin = commit_origin;
    sizes_here = false;
    path.clear();
    open.clear();
    ends.clear();
    static const std::string no_error;
    const auto& entries = diff.entries;
    for (uint32_t i = 0; i < entries.size(); ++i) {
      while (!ends.empty() && ends.back() <= i) {
        ends.pop_back();
        leave_tree(entries[left.back()], no_error);
        left.pop_back();
      }
      const GitDiffEntry& e = entries[i];
      if (e.kind == GitDiffEntry::Kind::kTree) {
        if (enter_tree(e, diff.name(e)) == Step::kSkip) {
          i = e.end - 1;  // and what it holds
          continue;
        }
        if (e.status != GitDiffEntry::Status::kOk) {
          leave_tree(e, e.status == GitDiffEntry::Status::kUnreadable ? diff.errors[e.error]
                                                                      : no_error);
          i = e.end - 1;
          continue;
        }
        ends.push_back(e.end);
        left.push_back(i);
        continue;
      }
      blob(e, diff.name(e), e.status == GitDiffEntry::Status::kOk ? no_error : diff.errors[e.error]);
    }
    while (!ends.empty()) {
      ends.pop_back();
      leave_tree(entries[left.back()], no_error);
      left.pop_back();
    }
  }
  std::vector<uint32_t> ends, left;  // replay: the open trees' ends and entries

  // Walks `tree` against `old` now, a directory at a time: a commit whose diff was too large to
  // read ahead, or a boundary commit's whole tree (`commit_origin` null: marked only).
  void stream(GitTreeDiffer& differ, const git_oid* tree, const git_oid* old,
              const GitOrigin* commit_origin) {
    origin = commit_origin;
    sizes_here = true;
    path.clear();
    open.clear();
    differ.diff(tree, old, *this);
  }

  // Staged: what the index holds that HEAD does not (a rename of committed content is not new).
  void add_diff(git_odb* odb, git_diff* diff, const GitOrigin& origin) {
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
      auto [number, fresh] = list.seen().add(f.id.id);
      if (!fresh) continue;
      add_fresh_blob(number, f.id.id, f.path ? f.path : "", origin,
                     git_blob_size(odb, nullptr, KnownObjectIds::kNone, f.id.id));
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

// While alive, libgit2's object caches (process-wide, every handle's together) hold at most 32 MiB,
// restored after. The walk reads each tree twice (as a commit's, then as the old tree of the next
// commit's diff) and never again, so a small cache keeps what it reuses; libgit2's default, 256
// MiB, filled with parsed trees, and each worker's handle keeps a cache of its own (issue 16:
// --since on the million-object history peaked at 150 MiB of anonymous memory, 176 with a worker).
class TreeCacheLimit {
 public:
  TreeCacheLimit() {
    ssize_t current = 0;
    git_libgit2_opts(GIT_OPT_GET_CACHED_MEMORY, &current, &old_);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(32) << 20);
  }
  ~TreeCacheLimit() { git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, old_); }
  TreeCacheLimit(const TreeCacheLimit&) = delete;
  TreeCacheLimit& operator=(const TreeCacheLimit&) = delete;

 private:
  ssize_t old_ = 0;
};

// One thread's libgit2 handle and tree reader (libgit2 handles are not shared between threads).
struct CommitReader {
  git_repository* repo;
  git_odb* odb;
  GitTreeDiffer differ;
  CommitReader(git_repository* r, git_odb* o, const GitObjectSource* source)
      : repo(r), odb(o), differ(r, o, source) {}
};

// A commit read ahead of the ordered replay: what the replay needs of it, and its diff.
struct PreparedCommit {
  bool read = false;
  std::string error;  // when !read
  std::vector<git_oid> parents;
  GitOrigin origin;
  git_oid tree{}, old_tree{};  // the commit's tree and its first parent's
  bool has_old = false;
  GitCommitDiff diff;  // !diff.complete: too large to hold, walked by the replay itself
};

void prepare_commit(CommitReader& reader, const git_oid& id, size_t diff_limit,
                    PreparedCommit& out) {
  out.parents.clear();
  Owned<git_commit, git_commit_free> commit;
  if (int rc = git_commit_lookup(commit.out(), reader.repo, &id); rc != 0) {
    out.read = false;
    out.error = git_error_text(rc);
    out.diff.clear();
    return;
  }
  out.read = true;
  for (unsigned p = 0, n = git_commit_parentcount(commit.get()); p < n; ++p)
    if (const git_oid* pid = git_commit_parent_id(commit.get(), p)) out.parents.push_back(*pid);
  out.origin = origin_of(commit.get());
  // Against the first parent's tree; none for a root commit or a parent that is not there.
  Owned<git_commit, git_commit_free> parent;
  out.has_old = git_commit_parentcount(commit.get()) > 0 &&
                git_commit_parent(parent.out(), commit.get(), 0) == 0;
  if (out.has_old) git_oid_cpy(&out.old_tree, git_commit_tree_id(parent.get()));
  git_oid_cpy(&out.tree, git_commit_tree_id(commit.get()));
  out.diff.limit = diff_limit;
  reader.differ.diff(&out.tree, out.has_old ? &out.old_tree : nullptr, true, out.diff);
  git_error_clear();
}

// Reads the commits of `order` on worker threads, each at most `kWindow` commits ahead of the
// ordered replay, which takes them with get(seq) in order. A commit no worker has started yet
// when the replay wants it is read on the replay's thread, so the replay never waits on a busy
// worker; with no workers every commit is read there (the sequential walk).
class CommitPrefetch {
 public:
  CommitPrefetch(const std::vector<git_oid>& order, unsigned workers, size_t diff_limit,
                 const std::string& repo_path, const GitObjectSource* source)
      : order_(order), diff_limit_(diff_limit), slots_(kWindow), ready_(kWindow, 0) {
    for (unsigned t = 0; t < workers; ++t)
      threads_.emplace_back([this, repo_path, source] {
        Owned<git_repository, git_repository_free> repo;
        Owned<git_odb, git_odb_free> odb;
        // Not opened: the replay's thread reads what this worker would have.
        if (git_repository_open_ext(repo.out(), repo_path.c_str(), 0, nullptr) != 0 ||
            git_repository_odb(odb.out(), repo.get()) != 0)
          return;
        CommitReader reader(repo.get(), odb.get(), source);
        std::unique_lock lock(mutex_);
        for (;;) {
          more_.wait(lock, [this] {
            return stop_ || next_ >= order_.size() || next_ < consumed_ + kWindow;
          });
          if (stop_ || next_ >= order_.size()) return;
          const size_t seq = next_++;
          lock.unlock();
          prepare_commit(reader, order_[seq], diff_limit_, slots_[seq % kWindow]);
          lock.lock();
          ready_[seq % kWindow] = 1;
          readied_.notify_all();
        }
      });
  }
  ~CommitPrefetch() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    more_.notify_all();
    for (auto& t : threads_) t.join();
  }
  CommitPrefetch(const CommitPrefetch&) = delete;
  CommitPrefetch& operator=(const CommitPrefetch&) = delete;

  // Commit `seq`, the one after the last done(); valid until done(seq).
  const PreparedCommit& get(size_t seq, CommitReader& self) {
    std::unique_lock lock(mutex_);
    if (next_ == seq) {
      ++next_;
      lock.unlock();
      prepare_commit(self, order_[seq], diff_limit_, slots_[seq % kWindow]);
      lock.lock();
      ready_[seq % kWindow] = 1;
    }
    readied_.wait(lock, [&] { return ready_[seq % kWindow] != 0; });
    return slots_[seq % kWindow];
  }
  void done(size_t seq) {
    {
      std::lock_guard lock(mutex_);
      ready_[seq % kWindow] = 0;
      consumed_ = seq + 1;
    }
    more_.notify_all();
  }

 private:
  // Commits read ahead at most: their diffs are what the walk holds beyond its lists.
  static constexpr size_t kWindow = 64;
  const std::vector<git_oid>& order_;
  const size_t diff_limit_;
  std::vector<PreparedCommit> slots_;  // commit seq in slots_[seq % kWindow]
  std::vector<uint8_t> ready_;
  std::mutex mutex_;
  std::condition_variable more_, readied_;
  size_t next_ = 0;      // the next commit to read
  size_t consumed_ = 0;  // commits the replay is done with
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

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

// The commits every ref under refs/ and HEAD point to: where a walk of the whole history starts.
// libgit2's git_revwalk_push_glob would do it in one call, but it stops at the first ref whose
// object cannot be read and says nothing of the refs after it; a damaged repository then scanned
// as an empty one, exit 0. Here each such ref is named and the others still walked. A ref to a
// tree or blob (a tag of a file) has no history and is passed over, as git log --all does.
struct RefTips {
  std::vector<git_oid> commits;
  size_t unreadable = 0;  // refs whose object could not be read (each named in a warning)
};

RefTips ref_tips(git_repository* repo, DiagnosticSink& diagnostics, const std::string& path) {
  RefTips out;
  auto add = [&](git_reference* ref, const char* name) {
    Owned<git_reference, git_reference_free> direct;
    if (git_reference_resolve(direct.out(), ref) != 0)
      return;  // dangling symbolic ref, unborn HEAD
    const git_oid* target = git_reference_target(direct.get());
    Owned<git_object, git_object_free> obj, commit;
    int rc = git_object_lookup(obj.out(), repo, target, GIT_OBJECT_ANY);
    if (rc == 0) rc = git_object_peel(commit.out(), obj.get(), GIT_OBJECT_COMMIT);
    if (rc == 0) {
      out.commits.push_back(*git_object_id(commit.get()));
    } else if (rc != GIT_EPEEL && rc != GIT_EINVALIDSPEC) {
      ++out.unreadable;
      diagnostics.warn(DiagnosticKind::kMalformed, path,
                       std::string(name) + " points to " + hex(target) +
                           ", which cannot be read: " + git_error_text(rc) +
                           "; its history is walked only where another ref reaches it");
    }
  };
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_glob_new(&it, repo, "refs/*") == 0) {
    git_reference* ref = nullptr;
    while (git_reference_next(&ref, it) == 0) {
      add(ref, git_reference_name(ref));
      git_reference_free(ref);
    }
    git_reference_iterator_free(it);
  }
  // HEAD on a branch is that branch, walked above; a detached HEAD is a start of its own.
  Owned<git_reference, git_reference_free> head;
  if (git_reference_lookup(head.out(), repo, "HEAD") == 0 &&
      git_reference_type(head.get()) == GIT_REFERENCE_DIRECT)
    add(head.get(), "HEAD");
  git_error_clear();
  return out;
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
  BlobCollector collect(options, diagnostics, stats, list, listed, odb.get(), source);
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
    collect.add_diff(odb.get(), diff.get(), staged);
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

  RefTips every_ref;
  if (tips.empty() && options.range.empty()) {
    every_ref = ref_tips(repo, diagnostics, path_);
    tips = every_ref.commits;
  }

  // Every commit in walk order first, parents before children, so a blob's first sighting is
  // the commit that introduced it (20 bytes a commit; libgit2's reverse topological sort has read
  // them all before it gives the first), and workers can read the ones ahead.
  std::vector<git_oid> order;
  // The tolerant order (input/git_shallow.h): a missing parent ends the walk there.
  auto tolerant_order = [&]() -> Result<void> {
    std::vector<git_oid> unreadable;
    auto o = shallow_commit_order(repo, tips, hidden, &unreadable);
    if (!o) return std::unexpected(o.error());
    order = std::move(*o);
    for (const git_oid& id : unreadable)
      diagnostics.warn(DiagnosticKind::kMalformed, path_ + "@" + hex(&id),
                       "cannot read commit: it is named as a parent but is missing or damaged; the "
                       "history before it is not walked");
    return {};
  };
  if (is_shallow_clone(repo)) {
    if (auto r = tolerant_order(); !r) return r;
  } else {
    Owned<git_revwalk, git_revwalk_free> walk;
    if (int rc = git_revwalk_new(walk.out(), repo); rc != 0)
      return make_error(ErrorCode::kIo, git_error_text(rc), path_);
    git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
    for (const auto& id : tips) git_revwalk_push(walk.get(), &id);
    for (const auto& id : hidden) git_revwalk_hide(walk.get(), &id);
    git_error_clear();
    git_oid oid;
    int rc;
    while ((rc = git_revwalk_next(&oid, walk.get())) == 0) order.push_back(oid);
    if (rc != GIT_ITEROVER) {
      // libgit2's walk gives up at the first commit it cannot read (a damaged or incomplete
      // repository); the tolerant walk goes around it and names it.
      diagnostics.warn(DiagnosticKind::kMalformed, path_,
                       "walking the history: " + git_error_text(rc) +
                           "; walked again around the commits that cannot be read");
      order.clear();
      if (auto r = tolerant_order(); !r) return r;
    }
  }
  git_error_clear();
  if (order.empty() && every_ref.unreadable > 0)
    return make_error(
        ErrorCode::kIo,
        "no commit could be read: " + std::to_string(every_ref.unreadable) +
            (every_ref.unreadable == 1 ? " ref points" : " refs point") +
            " to an object that cannot be read, and no other ref to a commit that can",
        path_);

  // A parent the walk did not visit is on the boundary (hidden by --since / --diff): what its
  // tree holds was there before, so it is marked seen, not reported. In a full walk every parent
  // comes first; a shallow clone's missing parents are simply absent.
  std::unordered_set<GitObjectId, ObjectIdHash> visited;
  const TreeCacheLimit cache_limit;
  CommitReader own{repo, odb.get(), source};
  // The replay's own thread is one of the walk's threads: it reads the commits no worker has
  // started when it wants them. Each worker is one more libgit2 handle, whose mapped .idx adds
  // to the resident set (~20 MiB on the million-object history).
  CommitPrefetch prefetch(order, std::max(options.walk_threads, 1u) - 1,
                          std::max<size_t>(options.read_ahead_entries, 1), path_, source);
  for (size_t seq = 0; seq < order.size(); ++seq) {
    const PreparedCommit& c = prefetch.get(seq, own);
    if (!c.read) {
      diagnostics.warn(DiagnosticKind::kMalformed, path_ + "@" + hex(&order[seq]),
                       "cannot read commit: " + c.error);
      prefetch.done(seq);
      continue;
    }
    ++stats.commits;
    visited.insert(raw_id(&order[seq]));
    for (const git_oid& pid : c.parents) {
      if (visited.contains(raw_id(&pid))) continue;
      Owned<git_commit, git_commit_free> parent;
      // Its whole tree, walked a directory at a time (as a flat list: tens of MiB on a large
      // history), what was seen before skipped unread.
      if (git_commit_lookup(parent.out(), repo, &pid) == 0)
        collect.stream(own.differ, git_commit_tree_id(parent.get()), nullptr, nullptr);
      git_error_clear();
    }
    collect.commit = list.add_commit(raw_id(&order[seq]), c.origin.author, c.origin.time);
    if (c.diff.complete)
      collect.replay(c.diff, &c.origin);
    else
      collect.stream(own.differ, &c.tree, c.has_old ? &c.old_tree : nullptr, &c.origin);
    prefetch.done(seq);
  }
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
