// The filesystem source: walks files and directories, honours --exclude globs, does not follow
// symlinks unless asked (and then detects directory cycles), and reports what it cannot read.
// A `.git` met while walking is skipped: its object files are compressed history that `scan --git`
// reads properly, and as raw bytes they only cost time and "not valid UTF-8" warnings.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace keysweep {

struct WalkOptions {
  bool follow_symlinks = false;
  std::vector<std::string> excludes;  // fnmatch globs, tried on the full path and the base name
  bool include_git_dirs = false;  // --include-git-dir: descend into `.git` too
  // --respect-gitignore: skip what the enclosing repository's .gitignore files (and
  // .git/info/exclude) ignore, as git itself decides (libgit2). Off by default: an ignored `.env`
  // is exactly where a secret hides.
  bool respect_gitignore = false;
};

struct WalkedFile {
  std::string path;
  uint64_t size = 0;
  // Set for a problem input: a path that could not be opened as a file (missing, a symlink loop,
  // unreadable, a FIFO, device or socket). It is passed on like a file, so that the scan reports it
  // as an input of its own (summary, every format, the datastore) rather than as a bare warning.
  std::optional<Diagnostic> problem;
};

struct WalkStats {
  uint64_t symlinks_skipped = 0;
  uint64_t excluded = 0;
  uint64_t git_dirs_skipped = 0;  // `.git` entries not descended into
  uint64_t gitignored = 0;        // files and directories skipped by --respect-gitignore
};

// Calls `on_file` for every regular file under `roots`, in a deterministic (sorted) order, and for
// every problem input (WalkedFile::problem set) in the same order; never stops at one.
WalkStats walk_files(const std::vector<std::string>& roots, const WalkOptions& options,
                     DiagnosticSink& diagnostics, const std::function<void(WalkedFile)>& on_file);

bool path_excluded(const std::string& path, const std::vector<std::string>& globs);

}  // namespace keysweep
