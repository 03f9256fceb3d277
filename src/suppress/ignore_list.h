// Gitignore-style path patterns: `.keysweepignore`, and the [allowlist] paths of keysweep.toml.
// Paths are matched relative to a base directory (the one holding the file that lists them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::suppress {

// A subset of gitignore(5) that covers what people write: `#` comments, blank lines, `!` to
// re-include, a trailing `/` for directories only, a leading or inner `/` to anchor the pattern at
// the base directory (otherwise it matches at any depth), `*` `?` `[a-z]` within one path segment
// and `**` across segments. As in git, a file under an ignored directory cannot be re-included.
class IgnoreList {
 public:
  // One pattern per line. `source` names the file in error messages.
  static Result<IgnoreList> parse(std::string_view text, const std::string& source);
  static Result<IgnoreList> load(const std::string& path);

  // Adds one pattern (a line of an ignore file); an invalid one is an error naming `source`.
  Result<void> add(std::string_view line, const std::string& source, int line_number = 0);

  // `relative_path` uses '/' and is relative to the base directory ("src/a.js"); a path that is
  // outside it ("../x") is never ignored.
  bool ignored(std::string_view relative_path) const;
  bool empty() const { return patterns_.empty(); }
  size_t size() const { return patterns_.size(); }

 private:
  struct Pattern {
    std::vector<std::string> segments;  // "**" is its own segment
    bool negate = false;
    bool dir_only = false;
  };
  // -1 when no pattern matches, else 1 (ignored) or 0 (re-included) from the last that matches.
  int verdict(const std::vector<std::string_view>& segments, size_t count, bool is_dir) const;
  std::vector<Pattern> patterns_;
};

// Glob over the whole path (segments split on '/', `**` spans segments).
bool glob_path_match(const std::vector<std::string>& pattern,
                     const std::vector<std::string_view>& path, size_t path_count);
// Splits "a/b/c" into its segments (views into `path`), dropping empty and "." segments.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace keysweep::suppress
