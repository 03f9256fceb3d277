// --respect-gitignore: asks libgit2 whether a path is ignored by the repository that holds it, so
// nested .gitignore files, negations and .git/info/exclude mean exactly what they mean to git.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "input/libgit2_session.h"

namespace keysweep {

class GitIgnoreFilter {
 public:
  GitIgnoreFilter();
  ~GitIgnoreFilter();
  GitIgnoreFilter(const GitIgnoreFilter&) = delete;
  GitIgnoreFilter& operator=(const GitIgnoreFilter&) = delete;

  // Whether git would ignore `path` (a file, or a directory when `is_dir`). A path outside any
  // repository's work tree is never ignored.
  bool ignored(const std::string& path, bool is_dir);

 private:
  struct Repo;
  // The repository holding `dir` (an absolute directory), or null; cached per directory.
  Repo* repo_for(const std::string& dir);
  LibGit2Session session_;  // first: up before any repository opens, down after all are freed
  std::map<std::string, Repo*> by_dir_;
  std::map<std::string, std::unique_ptr<Repo>> by_workdir_;
};

}  // namespace keysweep
