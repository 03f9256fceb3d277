#include "input/file_walker.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <memory>
#include <utility>

#include "input/gitignore_filter.h"

namespace keysweep {

namespace {

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

const char* special_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a file or directory";
}

class Walker {
 public:
  Walker(const WalkOptions& o, DiagnosticSink& d, const std::function<void(WalkedFile)>& f)
      : opts_(o), diag_(d), on_file_(f) {
    if (o.respect_gitignore) gitignore_ = std::make_unique<GitIgnoreFilter>();
  }

  void visit(const std::string& path, bool is_root) {
    if (!is_root && path_excluded(path, opts_.excludes)) {
      ++stats.excluded;
      return;
    }
    struct stat lst;
    if (lstat(path.c_str(), &lst) != 0) {
      if (errno == ENOENT) problem(DiagnosticKind::kMissing, path, "no such file or directory");
      else problem(DiagnosticKind::kUnreadable, path, std::string("cannot stat: ") + std::strerror(errno));
      return;
    }
    struct stat st = lst;
    if (S_ISLNK(lst.st_mode)) {
      // Roots named on the command line are followed, as a user expects; links found while walking
      // only with --follow-symlinks.
      if (!is_root && !opts_.follow_symlinks) {
        ++stats.symlinks_skipped;
        return;
      }
      if (stat(path.c_str(), &st) != 0) {
        if (errno == ELOOP)
          problem(DiagnosticKind::kSymlinkLoop, path, "symbolic link loop: it never reaches a file");
        else
          problem(DiagnosticKind::kUnreadable, path, std::string("broken symlink: ") + std::strerror(errno));
        return;
      }
    }
    // Only what the walk finds: a path named on the command line is scanned as asked.
    if (!is_root && gitignore_ && gitignore_->ignored(path, S_ISDIR(st.st_mode))) {
      ++stats.gitignored;
      return;
    }
    if (S_ISREG(st.st_mode)) {
      on_file_(WalkedFile{path, static_cast<uint64_t>(st.st_size), std::nullopt});
    } else if (S_ISDIR(st.st_mode)) {
      walk_dir(path, st);
    } else {
      // Not a file with content to scan (and reading a FIFO would block): said, not silently
      // dropped.
      problem(DiagnosticKind::kNotAFile, path, std::string("not a regular file (") + special_kind(st.st_mode) +
                                                   "); not read");
    }
  }

  WalkStats stats;

 private:
  void walk_dir(const std::string& path, const struct stat& st) {
    auto key = std::make_pair(st.st_dev, st.st_ino);
    if (ancestors_.count(key)) {
      diag_.warn(DiagnosticKind::kSymlinkLoop, path,
                 "directory cycle: this directory contains itself through a symlink; not descended");
      return;
    }
    // Reached again through another symlink: its files were already scanned once.
    if (!visited_.insert(key).second) return;
    ancestors_.insert(key);
    DIR* dir = opendir(path.c_str());
    if (!dir) {
      problem(DiagnosticKind::kUnreadable, path, std::string("cannot open directory: ") + std::strerror(errno));
      ancestors_.erase(key);
      return;
    }
    std::vector<std::string> names;
    while (struct dirent* e = readdir(dir)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      if (!opts_.include_git_dirs && std::strcmp(e->d_name, ".git") == 0) {
        ++stats.git_dirs_skipped;
        continue;
      }
      names.emplace_back(e->d_name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) visit(join(path, n), false);
    ancestors_.erase(key);
  }

  void problem(DiagnosticKind kind, const std::string& path, std::string why) {
    on_file_(WalkedFile{path, 0, Diagnostic{Severity::kWarning, kind, path, std::move(why)}});
  }

  const WalkOptions& opts_;
  DiagnosticSink& diag_;
  const std::function<void(WalkedFile)>& on_file_;
  std::unique_ptr<GitIgnoreFilter> gitignore_;
  // Directories on the current path from the root: a cycle revisits one of them.
  std::set<std::pair<dev_t, ino_t>> ancestors_;
  std::set<std::pair<dev_t, ino_t>> visited_;
};

}  // namespace

bool path_excluded(const std::string& path, const std::vector<std::string>& globs) {
  if (globs.empty()) return false;
  std::string base = base_name(path);
  for (const auto& g : globs) {
    if (fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
    if (fnmatch(g.c_str(), base.c_str(), 0) == 0) return true;
  }
  return false;
}

WalkStats walk_files(const std::vector<std::string>& roots, const WalkOptions& options,
                     DiagnosticSink& diagnostics, const std::function<void(WalkedFile)>& on_file) {
  Walker w(options, diagnostics, on_file);
  for (const auto& r : roots) w.visit(r, true);
  return w.stats;
}

}  // namespace keysweep
