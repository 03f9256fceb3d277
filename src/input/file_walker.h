// The filesystem source: walks files and directories, honours --exclude globs, does not follow
// symlinks unless asked (and then detects directory cycles), and reports what it cannot read.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace keysweep {

struct WalkOptions {
  bool follow_symlinks = false;
  std::vector<std::string> excludes;  // fnmatch globs, tried on the full path and the base name
};

struct WalkedFile {
  std::string path;
  uint64_t size = 0;
};

struct WalkStats {
  uint64_t symlinks_skipped = 0;
  uint64_t excluded = 0;
};

// Calls `on_file` for every regular file under `roots`, in a deterministic (sorted) order.
WalkStats walk_files(const std::vector<std::string>& roots, const WalkOptions& options,
                     DiagnosticSink& diagnostics, const std::function<void(WalkedFile)>& on_file);

bool path_excluded(const std::string& path, const std::vector<std::string>& globs);

}  // namespace keysweep
