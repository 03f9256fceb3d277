#include "suppress/setup.h"

#include <filesystem>

#include "core/size_text.h"

namespace keysweep::suppress {

namespace {

std::string dir_of(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  return dir.empty() ? "." : dir;
}

Result<void> add_config(const ProjectConfig& c, SuppressionSettings& s) {
  s.disabled_rules.insert(s.disabled_rules.end(), c.disable_rules.begin(), c.disable_rules.end());
  s.allow_sha256 = c.allow_sha256;
  s.allow_regexes = c.allow_regexes;
  s.config_path = c.path;
  if (!c.allow_paths.empty()) {
    PathPatterns pp{{}, c.dir, c.path};
    for (const auto& p : c.allow_paths)
      if (auto r = pp.list.add(p, c.path + ": allowlist.paths"); !r) return r;
    s.allow_paths = std::move(pp);
  }
  return {};
}

}  // namespace

Result<SuppressionSetup> setup_suppression(const SuppressionRequest& r) {
  SuppressionSetup out;
  auto& settings = out.settings;
  std::string config_path = r.config;
  if (config_path.empty() && r.discover) config_path = find_project_file(r.scan_paths, kConfigFileName);
  if (!config_path.empty()) {
    auto config = load_project_config(config_path);
    if (!config) return std::unexpected(config.error());
    if (auto a = add_config(*config, settings); !a) return std::unexpected(a.error());
    if (config->max_file_size) {
      auto size = parse_size(*config->max_file_size);
      if (!size)
        return make_error(ErrorCode::kConfig, "'scan.max_file_size': " + size.error().message,
                          config->path);
      out.max_file_size = *size;
    }
    out.config = std::move(*config);
  }
  settings.disabled_rules.insert(settings.disabled_rules.end(), r.disable_rules.begin(),
                                 r.disable_rules.end());
  settings.allow_comments = r.allow_comments;
  auto add_ignore_file = [&](const std::string& path, const std::string& base) -> Result<void> {
    auto list = IgnoreList::load(path);
    if (!list) return std::unexpected(list.error());
    settings.ignore_files.push_back({std::move(*list), base, path});
    return {};
  };
  if (r.discover && r.use_config_suppressions) {
    // A repository coming from gitleaks keeps the fingerprints it accepted there.
    std::string gitleaks = find_project_file(r.scan_paths, kGitleaksIgnoreFileName);
    if (!gitleaks.empty()) {
      auto list = GitleaksIgnore::load(gitleaks);
      if (!list) return std::unexpected(list.error());
      settings.gitleaks_ignore = std::move(*list);
      settings.gitleaks_ignore_path = gitleaks;
    }
  }
  if (r.discover) {
    std::string found = find_project_file(r.scan_paths, kIgnoreFileName);
    if (!found.empty())
      if (auto a = add_ignore_file(found, dir_of(found)); !a) return std::unexpected(a.error());
  }
  // keysweep.toml's [suppress] ignore files hold patterns relative to themselves, like
  // .keysweepignore; --ignore-file's are relative to the current directory.
  if (out.config && r.use_config_suppressions)
    for (const auto& f : out.config->ignore_files)
      if (auto a = add_ignore_file(f, dir_of(f)); !a) return std::unexpected(a.error());
  for (const auto& f : r.ignore_files)
    if (auto a = add_ignore_file(f, "."); !a) return std::unexpected(a.error());
  // --baseline wins over the settings file's; a baseline the settings name must exist, or every
  // accepted finding would come back as new (or, worse, a typo would pass silently).
  std::string baseline_path = r.baseline;
  if (baseline_path.empty() && out.config && r.use_config_suppressions) baseline_path = out.config->baseline;
  if (!baseline_path.empty()) {
    auto baseline = Baseline::load(baseline_path);
    if (!baseline) {
      Error e = baseline.error();
      if (r.baseline.empty())
        e.message += " (named by " + out.config->path + " line " +
                     std::to_string(out.config->baseline_line) + ", [suppress] baseline)";
      return std::unexpected(std::move(e));
    }
    settings.baseline = std::move(*baseline);
    settings.baseline_dir = dir_of(baseline_path);
    settings.baseline_path = baseline_path;
  }
  return out;
}

}  // namespace keysweep::suppress
