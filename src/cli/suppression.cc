#include "cli/suppression.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "input/git_history.h"
#include "suppress/setup.h"

namespace keysweep::cli {

namespace {

constexpr const char* kDefaultBaseline = "keysweep-baseline.json";

std::string dir_of(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Config first, flags after: a --rules file replaces a config rule of the same id.
void merge_config(const suppress::ProjectConfig& c, ScanArgs& a) {
  a.rule_paths.insert(a.rule_paths.begin(), c.rule_paths.begin(), c.rule_paths.end());
  a.excludes.insert(a.excludes.end(), c.excludes.begin(), c.excludes.end());
  // setup_suppression checked the size.
  // Directory-walk settings; a git scan of the same repository (the hook) reads commits instead.
  if (!a.git_mode()) {
    if (c.respect_gitignore) a.respect_gitignore = a.respect_gitignore || *c.respect_gitignore;
    if (c.include_git_dir) a.include_git_dir = a.include_git_dir || *c.include_git_dir;
  }
  if (c.max_file_size && !(a.suppress.max_file_size_flag && a.suppress.max_file_size_flag->count()))
    a.max_file_size = *c.max_file_size;
}

}  // namespace

void add_suppress_options(CLI::App& cmd, ScanArgs& a) {
  auto& s = a.suppress;
  s.max_file_size_flag = cmd.get_option_no_throw("--max-file-size");
  cmd.add_option("--baseline", s.baseline,
                 "Report only findings not in this baseline (made by `keysweep baseline create`)");
  cmd.add_option("--config", s.config,
                 "Settings file (default: keysweep.toml in the scanned directory or the repository "
                 "root above it)");
  cmd.add_flag("--no-config", s.no_config,
               "Do not look for keysweep.toml and .keysweepignore");
  cmd.add_option("--ignore-file", s.ignore_files,
                 "Hide findings in paths matching this gitignore-style file (repeatable; patterns "
                 "relative to the current directory)")
      ->allow_extra_args(false);
  cmd.add_option("--disable-rule", s.disable_rules,
                 "Hide findings of this rule id or glob, e.g. generic.* (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--include-suppressed", s.include_suppressed,
               "json/jsonl: also list the hidden findings, each with `suppressed_by` (SARIF always "
               "lists them as suppressed results)");
  cmd.add_flag("--no-suppress", s.no_suppress,
               "Report everything: ignore baselines, allow comments, ignore files, allowlists and "
               "disabled rules");
}

CLI::App* add_baseline_command(CLI::App& app, ScanArgs& a) {
  auto* baseline = app.add_subcommand("baseline", "Record today's findings so scans report only new ones");
  baseline->require_subcommand(1);
  auto* create = baseline->add_subcommand(
      "create", "Scan like `scan` and write the findings to a baseline file (-o, default " +
                    std::string(kDefaultBaseline) + ")");
  add_scan_options(*create, a);
  a.suppress.baseline_create = true;
  return create;
}

Result<SuppressionPlan> prepare_suppression(ScanArgs& a) {
  SuppressionPlan plan;
  auto& s = a.suppress;
  if (s.baseline_create) {
    if (!s.baseline.empty())
      return make_error(ErrorCode::kConfig, "baseline create records every finding; drop --baseline");
    if (a.verify || a.only_verified)
      return make_error(ErrorCode::kConfig, "baseline create does not verify; drop --verify");
    if (a.format != "human")
      return make_error(ErrorCode::kConfig, "baseline create writes its own JSON format; drop --format");
    plan.baseline_out = a.output.empty() ? kDefaultBaseline : a.output;
    a.output.clear();  // the scan writes no report
  }
  // A datastore keeps every finding (reports read it later); hiding some there would be silent.
  if (!a.fleet.datastore.empty() &&
      (s.baseline_create || !s.baseline.empty() || !s.ignore_files.empty() || !s.disable_rules.empty()))
    return make_error(ErrorCode::kConfig,
                      "--datastore stores every finding: baseline create, --baseline, --ignore-file "
                      "and --disable-rule apply to reports");
  if (s.include_suppressed && a.format != "json" && a.format != "jsonl" && a.format != "sarif")
    return make_error(ErrorCode::kConfig,
                      "--include-suppressed lists hidden findings in json and jsonl (SARIF always "
                      "lists them, as suppressed results); drop it with --format " + a.format);
  suppress::SuppressionRequest request;
  request.scan_paths = a.paths;
  // `scan --staged` with no path (as a hook or a person may run it) is the current repository:
  // its keysweep.toml applies just as for `scan --staged .`.
  if (request.scan_paths.empty() && a.git_mode()) request.scan_paths = {"."};
  request.discover = !s.no_config;
  request.use_config_suppressions = !s.no_suppress;
  request.config = s.config;
  if (!s.no_suppress) {  // --no-suppress still takes rules and excludes from keysweep.toml
    request.ignore_files = s.ignore_files;
    request.disable_rules = s.disable_rules;
    request.baseline = s.baseline;
  }
  auto setup = suppress::setup_suppression(request);
  if (!setup) return std::unexpected(setup.error());
  if (setup->config) merge_config(*setup->config, a);
  plan.settings = std::move(setup->settings);
  // A git scan's findings name paths inside the repository; a baseline or ignore file must see
  // them relative to the work tree wherever keysweep runs from. (A bare repository, or none: the
  // git scan reports that itself.)
  if (a.git_mode())
    if (auto repo = GitRepository::open(a.paths.empty() ? "." : a.paths.front()))
      plan.settings.finding_root = plan.finding_root = (*repo)->info().workdir;
  return plan;
}

Result<void> finish_suppression(SuppressionPlan& plan, const RuleSet& rules) {
  auto suppressor = suppress::Suppressor::create(std::move(plan.settings), rules);
  if (!suppressor) return std::unexpected(suppressor.error());
  plan.suppressor = std::make_unique<suppress::Suppressor>(std::move(*suppressor));
  return {};
}

std::optional<int> apply_suppression(SuppressionPlan& plan, const ScanArgs& a, ScanOutcome& outcome) {
  auto& summary = outcome.summary;
  if (!a.suppress.no_suppress && plan.suppressor) {
    plan.suppressor->apply(outcome.findings, summary.suppressed, &plan.hidden);
    summary.findings = outcome.findings.size();
    if (!a.quiet)
      for (const auto& w : plan.suppressor->warnings())
        std::fprintf(stderr, "keysweep: warning: %s\n", w.c_str());
  }
  uint64_t hidden = 0;
  std::string by;
  for (const auto& [how, n] : summary.suppressed) {
    hidden += n;
    if (n) by += (by.empty() ? "" : ", ") + std::to_string(n) + " " + how;
  }
  if (plan.baseline_out.empty()) {
    // CSV has no place for run metadata: say it on stderr, so the hidden findings stay visible.
    if (a.format == "csv" && hidden)
      std::fprintf(stderr, "keysweep: %llu findings suppressed (%s)\n",
                   static_cast<unsigned long long>(hidden), by.c_str());
    return std::nullopt;
  }

  suppress::RelativePaths paths(dir_of(plan.baseline_out), plan.finding_root);
  auto baseline = suppress::Baseline::from_findings(outcome.findings, paths);
  std::ofstream out(plan.baseline_out, std::ios::binary | std::ios::trunc);
  out << baseline.to_json(kVersion);
  out.close();
  if (!out) return fail(Error{ErrorCode::kIo, "cannot write baseline", plan.baseline_out, {}});
  const size_t n = outcome.findings.size();
  std::printf("wrote %s: %zu finding%s (%zu entries with the parts of paired credentials)%s%s\n",
              plan.baseline_out.c_str(), n, n == 1 ? "" : "s", baseline.entries().size(),
              hidden ? "; not recorded, already suppressed: " : "", by.c_str());
  return summary.had_errors() ? kExitError : kExitClean;
}

}  // namespace keysweep::cli
