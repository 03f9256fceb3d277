// The history walk with its trees read ahead on several threads (issue 16 item 1) lists the same
// blobs, under the same commits and paths, in the same order, as with one thread, and as a plain
// reference walk that reads every commit's whole tree: a blob belongs to the first commit in walk
// order whose tree holds it, at the first path a depth-first walk of that tree meets it.
#include <git2.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/diagnostics.h"
#include "input/git_blob_list.h"
#include "input/git_history.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string run(const std::string& cmd) {
  std::string out;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// (blob, commit, path), in the order listed.
using Listing = std::vector<std::tuple<std::string, std::string, std::string>>;

// A history with what makes first sightings subtle: a rename, the same content added on two
// branches, a merge with a change of its own, a directory copied whole (the same tree twice in
// one commit), a file reverted to an old version, 150 small commits (more than the walk reads
// ahead), and one tree, met in the first commit, made unreadable.
class GitWalkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/keysweep-walk-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    dir_ = tmpl;
    const std::string r = (dir_ / "r").string();
    const std::string script = R"SH(set -e
export GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.org GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@example.org
t=1600000000
c() { t=$((t + 60)); GIT_AUTHOR_DATE="$t +0000" GIT_COMMITTER_DATE="$t +0000" git commit -qm "$1"; }
git init -q -b main ")SH" + r + R"SH("
cd ")SH" + r + R"SH("
mkdir -p dir/sub bent
echo alpha > a.txt; echo beta > dir/b.txt; echo gamma > dir/sub/c.txt; echo bent > bent/data.txt
git add -A; c first
git mv dir/b.txt moved.txt; echo alpha2 > a.txt; git add -A; c rename
git checkout -qb feature
echo same > feature.txt; cp -r dir dir2; git add -A; c feature1
echo more >> feature.txt; git add -A; c feature2
git checkout -q main
mkdir other; echo same > other/same.txt; git add -A; c main-dup
GIT_AUTHOR_DATE="$((t + 60)) +0000" GIT_COMMITTER_DATE="$((t + 60)) +0000" git merge -q --no-ff --no-commit feature
t=$((t + 60))
echo merge-only > merged.txt; git add -A; c merge
echo alpha > a.txt; echo beside > bent/new.txt; git add -A; c revert
for i in $(seq 1 150); do mkdir -p "d$((i % 7))"; echo "v$i" > "d$((i % 7))/f$((i % 5)).txt"; git add -A; c "n$i"; done
)SH";
    ASSERT_EQ(0, sh("sh -c '" + escape(script) + "' >/dev/null 2>&1"));
    // The first commit's bent/ tree, overwritten with what is not a zlib stream.
    bent_ = run("git -C '" + r + "' rev-parse $(git -C '" + r + "' rev-list --max-parents=0 HEAD):bent");
    ASSERT_EQ(40u, bent_.size());
    const fs::path object = dir_ / "r/.git/objects" / bent_.substr(0, 2) / bent_.substr(2);
    fs::permissions(object, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(object, std::ios::binary | std::ios::trunc) << "not a zlib stream";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string escape(const std::string& s) {
    std::string out;
    for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out;
  }

  // The walk's listing with `threads`, and its messages; `read_ahead_entries` 0: the default.
  static Listing walk(unsigned threads, std::vector<std::string>& messages,
                      size_t read_ahead_entries = 0, const std::string& since = "") {
    auto repo = GitRepository::open((dir_ / "r").string());
    EXPECT_TRUE(repo);
    if (!repo) return {};
    GitScanOptions options;
    options.walk_threads = threads;
    if (read_ahead_entries) options.read_ahead_entries = read_ahead_entries;
    options.since = since;
    CollectingDiagnostics diags;
    GitWalkStats stats;
    GitBlobList list;
    size_t called = 0;
    auto walked = (*repo)->walk_blobs(options, diags, stats, list,
                                      [&](const GitBlobList&, size_t i, uint8_t hint) {
                                        EXPECT_EQ(called++, i);
                                        EXPECT_EQ(0, hint);  // no source, no hint
                                      });
    EXPECT_TRUE(walked);
    EXPECT_EQ(called, list.size());
    Listing out;
    for (size_t i = 0; i < list.size(); ++i) {
      GitBlob b = list.blob(i);
      out.emplace_back(object_id_hex(b.id), b.origin.commit, b.origin.path);
    }
    for (const auto& d : diags.take()) messages.push_back(d.path + ": " + d.message);
    return out;
  }

  static inline fs::path dir_;
  static inline std::string bent_;
};

// The reference: every commit in the same order (libgit2's, as the walk's), its whole tree read
// depth first; an unreadable tree is left out. With `since`, that commit and its ancestors are not
// walked, and the whole tree of a parent the walk did not visit (the boundary) is seen, not listed.
Listing reference_walk(const std::string& path, const std::string& since = "") {
  git_libgit2_init();
  git_repository* repo = nullptr;
  Listing out;
  if (git_repository_open(&repo, path.c_str()) != 0) return out;
  git_revwalk* walk = nullptr;
  git_revwalk_new(&walk, repo);
  git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME | GIT_SORT_REVERSE);
  git_revwalk_push_glob(walk, "*");
  git_revwalk_push_head(walk);
  if (!since.empty()) {
    git_object* hidden = nullptr;
    if (git_revparse_single(&hidden, repo, since.c_str()) == 0) {
      git_revwalk_hide(walk, git_object_id(hidden));
      git_object_free(hidden);
    }
  }
  std::set<std::string> seen, visited;
  git_oid id;
  while (git_revwalk_next(&id, walk) == 0) {
    git_commit* commit = nullptr;
    git_commit_lookup(&commit, repo, &id);
    const std::string hex = git_oid_tostr_s(&id);
    bool listing = false;
    auto visit = [&](auto& self, const git_oid* tree_id, const std::string& prefix) -> void {
      git_tree* tree = nullptr;
      if (git_tree_lookup(&tree, repo, tree_id) != 0) return;
      for (size_t i = 0; i < git_tree_entrycount(tree); ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(tree, i);
        const std::string name = prefix + git_tree_entry_name(e);
        if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
          self(self, git_tree_entry_id(e), name + "/");
        } else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
          const std::string blob = git_oid_tostr_s(git_tree_entry_id(e));
          if (seen.insert(blob).second && listing) out.emplace_back(blob, hex, name);
        }
      }
      git_tree_free(tree);
    };
    visited.insert(hex);
    for (unsigned p = 0; p < git_commit_parentcount(commit); ++p) {
      git_commit* parent = nullptr;
      if (visited.contains(git_oid_tostr_s(git_commit_parent_id(commit, p))) ||
          git_commit_parent(&parent, commit, p) != 0)
        continue;
      visit(visit, git_commit_tree_id(parent), "");
      git_commit_free(parent);
    }
    listing = true;
    visit(visit, git_commit_tree_id(commit), "");
    git_commit_free(commit);
  }
  git_revwalk_free(walk);
  git_repository_free(repo);
  git_libgit2_shutdown();
  return out;
}

TEST_F(GitWalkTest, ReadAheadOnThreadsListsWhatOneThreadAndTheReferenceList) {
  std::vector<std::string> one_messages;
  const Listing one = walk(1, one_messages);
  const Listing reference = reference_walk((dir_ / "r").string());
  // The history's own checks: the copied directory and the content on two branches are each
  // listed once; the merge's own file is the merge's.
  ASSERT_GT(one.size(), 150u);
  EXPECT_EQ(reference, one);
  for (unsigned threads : {2u, 3u, 8u}) {
    std::vector<std::string> messages;
    EXPECT_EQ(one, walk(threads, messages)) << threads << " threads";
    EXPECT_EQ(one_messages, messages) << threads << " threads";
  }
}

// A diff larger than the read-ahead limit is dropped by its reader and walked by the replay a
// directory at a time; with a limit of one entry every commit is, with two or five some are (a
// change one or two directories down needs three entries or more). The listing and the messages
// stay those of the default.
TEST_F(GitWalkTest, CommitsOverTheReadAheadLimitAreWalkedInOrderAndListTheSame) {
  std::vector<std::string> default_messages;
  const Listing listed = walk(1, default_messages);
  ASSERT_EQ(reference_walk((dir_ / "r").string()), listed);
  for (size_t limit : {1u, 2u, 5u}) {
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      std::vector<std::string> messages;
      EXPECT_EQ(listed, walk(threads, messages, limit)) << limit << " entries, " << threads << " threads";
      EXPECT_EQ(default_messages, messages) << limit << " entries, " << threads << " threads";
    }
  }
}

// --since the feature branch: its tip and its ancestors are hidden, so two visited commits have a
// parent on the boundary (main-dup's, the rename; the merge's, feature2), whose trees, each larger
// than the read-ahead limit and holding the unreadable tree, are marked as seen a directory at a
// time, not listed.
TEST_F(GitWalkTest, SinceMarksEachBoundaryTreeAndListsWhatTheReferenceLists) {
  const Listing reference = reference_walk((dir_ / "r").string(), "feature");
  ASSERT_GT(reference.size(), 100u);
  for (const auto& [blob, commit, path] : reference) {
    EXPECT_NE("feature.txt", path) << "its last version is in feature2's tree";
  }
  std::vector<std::string> first_messages;
  EXPECT_EQ(reference, walk(1, first_messages, 0, "feature"));
  // bent/ is met in the first boundary tree, unreadable, and named without a commit.
  ASSERT_EQ(1u, first_messages.size());
  EXPECT_EQ(0u, first_messages[0].find("bent/: cannot read tree " + bent_)) << first_messages[0];
  for (size_t limit : {0u, 2u}) {
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      std::vector<std::string> messages;
      EXPECT_EQ(reference, walk(threads, messages, limit, "feature"))
          << limit << " entries, " << threads << " threads";
      EXPECT_EQ(first_messages, messages) << limit << " entries, " << threads << " threads";
    }
  }
}

TEST_F(GitWalkTest, AnUnreadableTreeIsNamedWhereTheWalkMetItAndTheWalkGoesOn) {
  for (unsigned threads : {1u, 2u}) {
    std::vector<std::string> messages;
    const Listing listed = walk(threads, messages);
    ASSERT_EQ(1u, messages.size()) << threads << " threads";
    const std::string first = std::get<1>(listed.front()).substr(0, 7);
    EXPECT_EQ(0u, messages[0].find(first + ":bent/: cannot read tree " + bent_)) << messages[0];
    // bent/data.txt was only in the unreadable tree until the revert commit rewrote bent/: it is
    // listed there, and so is everything after.
    bool data = false, last = false;
    for (const auto& [blob, commit, path] : listed) {
      data |= path == "bent/data.txt";
      last |= path == "d3/f0.txt";
    }
    EXPECT_TRUE(data);
    EXPECT_TRUE(last);
  }
}

TEST_F(GitWalkTest, CopiesAndRenamesAreListedOnceAtTheirFirstSighting) {
  std::vector<std::string> messages;
  const Listing listed = walk(2, messages);
  std::set<std::string> blobs;
  for (const auto& [blob, commit, path] : listed) {
    EXPECT_TRUE(blobs.insert(blob).second) << blob << " listed twice";
    EXPECT_NE(0u, path.rfind("dir2/", 0)) << "a copy of dir/ is not new: " << path;
    EXPECT_NE("moved.txt", path) << "a rename is not new";
    EXPECT_NE("other/same.txt", path) << "listed on the feature branch first";
  }
  auto has = [&](const std::string& path) {
    for (const auto& l : listed)
      if (std::get<2>(l) == path) return true;
    return false;
  };
  EXPECT_TRUE(has("feature.txt"));
  EXPECT_TRUE(has("merged.txt"));
  EXPECT_TRUE(has("dir/b.txt"));
}

}  // namespace
}  // namespace keysweep
