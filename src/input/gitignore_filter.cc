#include "input/gitignore_filter.h"

#include <git2.h>
#include <limits.h>
#include <stdlib.h>

namespace keysweep {

struct GitIgnoreFilter::Repo {
  git_repository* repo = nullptr;
  std::string workdir;  // absolute, ends with '/'
  ~Repo() {
    if (repo) git_repository_free(repo);
  }
};

GitIgnoreFilter::GitIgnoreFilter() = default;

GitIgnoreFilter::~GitIgnoreFilter() = default;  // the repositories go before the session

GitIgnoreFilter::Repo* GitIgnoreFilter::repo_for(const std::string& dir) {
  auto cached = by_dir_.find(dir);
  if (cached != by_dir_.end()) return cached->second;
  Repo* found = nullptr;
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, dir.c_str(), 0, nullptr) == 0) {
    const char* wd = git_repository_workdir(repo);
    if (wd) {
      auto& slot = by_workdir_[wd];
      if (!slot) {
        slot = std::make_unique<Repo>();
        slot->repo = repo;
        slot->workdir = wd;
        repo = nullptr;
      }
      found = slot.get();
    }
    if (repo) git_repository_free(repo);
  }
  by_dir_[dir] = found;
  return found;
}

bool GitIgnoreFilter::ignored(const std::string& path, bool is_dir) {
  char resolved[PATH_MAX];
  // The parent directory, resolved: the path itself may be a symlink, which git judges by its name.
  std::string name = path, parent = ".";
  if (auto slash = path.find_last_of('/'); slash != std::string::npos) {
    parent = slash == 0 ? "/" : path.substr(0, slash);
    name = path.substr(slash + 1);
  }
  if (!realpath(parent.c_str(), resolved)) return false;
  std::string dir = resolved;
  Repo* r = repo_for(dir);
  if (!r) return false;
  std::string abs = (dir == "/" ? dir : dir + "/") + name;
  if (abs.compare(0, r->workdir.size(), r->workdir) != 0) return false;  // the work tree itself
  std::string rel = abs.substr(r->workdir.size());
  if (rel.empty() || rel == ".git") return false;
  if (is_dir) rel += '/';
  int ignored = 0;
  if (git_ignore_path_is_ignored(&ignored, r->repo, rel.c_str()) != 0) return false;
  return ignored == 1;
}

}  // namespace keysweep
