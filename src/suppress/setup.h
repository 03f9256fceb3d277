// Turning a caller's suppression choices (the scan command's flags, or libkeysweep's
// SuppressionOptions) into SuppressionSettings: finding keysweep.toml and .keysweepignore, reading
// them, the ignore files and the baseline. The CLI and the library both call this, so a baseline
// or an ignore file means the same thing to both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "keysweep/error.h"
#include "suppress/project_config.h"
#include "suppress/suppressor.h"

namespace keysweep::suppress {

struct SuppressionRequest {
  // Where keysweep.toml and .keysweepignore are looked for (find_project_file); empty: nowhere.
  std::vector<std::string> scan_paths;
  bool discover = true;                    // false: --no-config
  std::string config;                      // an explicit keysweep.toml (read even without discover)
  std::vector<std::string> ignore_files;   // patterns relative to the current directory
  std::vector<std::string> disable_rules;  // ids or globs
  std::string baseline;
  bool allow_comments = true;
  // false (--no-suppress): the settings file's baseline and ignore files are not read either.
  bool use_config_suppressions = true;
};

struct SuppressionSetup {
  // The project config read, if any: its [rules] paths and [scan] settings are the caller's to
  // merge (flags win on the command line); its disables and allowlist are already in `settings`.
  std::optional<ProjectConfig> config;
  std::optional<uint64_t> max_file_size;  // the config's [scan] max_file_size, checked
  SuppressionSettings settings;
};

Result<SuppressionSetup> setup_suppression(const SuppressionRequest& request);

}  // namespace keysweep::suppress
