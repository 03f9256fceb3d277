// keysweep.toml: a repository's own settings for rules, excludes and allowlists.
//
//   [rules]
//   disable = ["generic.*"]          # rule ids or globs (hidden findings are counted)
//   paths = ["ci/keysweep-rules"]    # extra rule files or directories
//   [scan]
//   exclude = ["node_modules", "*.min.js"]   # not scanned at all, like --exclude
//   max_file_size = "50MiB"
//   [allowlist]
//   secret_sha256 = ["<64 hex digits>"]      # SHA-256 of a secret, as every output shows it
//   secret_regex = ["^sk_test_"]             # RE2, searched in the secret
//   paths = ["tests/fixtures/**"]            # gitignore-style
//   [suppress]
//   baseline = "keysweep-baseline.json"      # like --baseline, for every scan and the hook
//   ignore_files = [".secretsignore"]        # like --ignore-file (patterns relative to the file)
//   [scan]
//   respect_gitignore = true                 # like --respect-gitignore (default false)
//   include_git_dir = true                   # like --include-git-dir (default false)
//
// Relative paths are resolved against the file's directory. An unknown table or key is an error
// naming the file and the key: a typo must not silently turn a setting off.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"

namespace keysweep::suppress {

inline constexpr const char* kConfigFileName = "keysweep.toml";
inline constexpr const char* kIgnoreFileName = ".keysweepignore";

struct ProjectConfig {
  std::string path;  // the file read
  std::string dir;   // its directory
  std::vector<std::string> disable_rules;
  std::vector<std::string> rule_paths;  // resolved against dir
  std::vector<std::string> excludes;
  std::optional<std::string> max_file_size;
  std::vector<std::string> allow_sha256;  // lower-case hex
  std::vector<std::string> allow_regexes;
  std::vector<std::string> allow_paths;  // gitignore-style, relative to dir
  std::string baseline;                  // [suppress] baseline, resolved against dir
  int baseline_line = 0;                 // where the file names it, for a missing baseline's error
  std::vector<std::string> ignore_files;  // [suppress] ignore_files, resolved against dir
  std::optional<bool> respect_gitignore;
  std::optional<bool> include_git_dir;
};

Result<ProjectConfig> parse_project_config(std::string_view text, const std::string& path);
Result<ProjectConfig> load_project_config(const std::string& path);

// Where a repository's keysweep.toml / .keysweepignore is looked for: the first scanned path (or
// its directory, for a file), then each parent up to the repository root (the first directory
// holding .git). Outside a repository only the first directory is looked at. Returns the file's
// path, or "" when there is none.
std::string find_project_file(const std::vector<std::string>& scan_paths, std::string_view name);

}  // namespace keysweep::suppress
