// Paths of findings relative to a directory: the one holding a baseline, an ignore file or a
// keysweep.toml. Resolving both sides (symlinks, "./", "..") first makes a match independent of the
// working directory and of how the scanned paths were spelled (`.`, `$PWD`, `src/a.js`).
#pragma once

#include <string>
#include <unordered_map>

namespace keysweep::suppress {

class RelativePaths {
 public:
  // An empty `base_dir` means the current directory. A relative finding path is taken relative to
  // `root` when one is given (a git scan's paths are relative to the work tree, not to where
  // keysweep runs), else to the current directory.
  explicit RelativePaths(const std::string& base_dir, std::string root = {});
  // "src/a.js" for <base>/src/a.js; "../other/a.js" outside it. A path that does not exist on
  // disk (a git blob's path) is resolved lexically against the current directory.
  const std::string& relative(const std::string& path);
  const std::string& base() const { return base_; }

 private:
  std::string base_;
  std::string root_;
  std::unordered_map<std::string, std::string> cache_;
};

}  // namespace keysweep::suppress
