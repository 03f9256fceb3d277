#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "cli/suppression.h"
#include "keysweep/error.h"

namespace CLI {
class App;
}

namespace keysweep::verify {
class VerificationEngine;
}

namespace keysweep::cli {

inline constexpr const char* kVersion = "0.1.0";

// Exit codes, documented in the README: 0 nothing found, 1 findings, 2 the run failed.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitError = 2;

// Fleet scans (docs/FLEET.md): cli/fleet_scan.cc.
struct FleetArgs {
  std::string datastore;   // SQLite path or postgresql:// URI
  std::string input_list;  // file of paths, "-" = stdin
  std::string metadata;    // CSV: app_id, publisher, installs, store
  std::string shard;       // "K/N"
  std::string progress = "auto";
  double progress_interval = 10.0;  // seconds between plain progress lines
};

struct ScanArgs {
  std::vector<std::string> paths;
  std::string format = "human";
  std::string output;
  bool show_secrets = false;
  unsigned jobs = 0;
  std::string max_file_size = "512MiB";
  std::vector<std::string> excludes;
  bool follow_symlinks = false;
  bool include_git_dir = false;    // walk `.git` directories too
  bool respect_gitignore = false;  // skip what .gitignore ignores (keysweep.toml can turn it on)
  std::vector<std::string> rule_paths;
  bool exit_zero = false;
  std::string color = "auto";
  bool no_extract = false;
  bool no_decode = false;
  bool quiet = false;
  bool verify = false;         // check found credentials at their providers
  bool only_verified = false;  // report only credentials verified live (implies verify)
  std::vector<std::string> verify_endpoint_overrides;  // PROVIDER=http://127.0.0.1:PORT, tests only
  FleetArgs fleet;
  SuppressArgs suppress;  // baselines, ignore files, disabled rules, keysweep.toml (cli/suppression.h)
  // Git history (scan_git.cc): any of these makes the one path a repository.
  bool git = false;
  bool staged = false;
  std::string diff;   // "A..B"
  std::string since;  // REV
  std::vector<std::string> refs;
  bool git_mode() const { return git || staged || !diff.empty() || !since.empty() || !refs.empty(); }
};

struct HookArgs {
  std::string action;  // install
  std::string repo = ".";
  bool force = false;
};

struct RulesArgs {
  std::string action;  // list | show | check | export
  std::string id;
  std::string format = "text";
  std::vector<std::string> rule_paths;
};

struct ReportArgs {
  std::string datastore;  // SQLite path or postgresql:// URI
  std::string format = "json";
  std::string output;
  std::string metadata;   // CSV: app_id,publisher,installs,store
  size_t top = 0;         // clusters listed (0: all)
  bool deterministic = false;
};
void add_report_options(CLI::App& cmd, ReportArgs& args);
int run_report(const ReportArgs& args);

void add_scan_options(CLI::App& cmd, ScanArgs& args);
void add_rules_options(CLI::App& cmd, RulesArgs& args);
void add_hook_options(CLI::App& cmd, HookArgs& args);
int run_scan(const ScanArgs& args);
// What --verify runs, in a plain scan and a fleet scan alike: every built-in verifier, the
// --verify-endpoint-override targets (an error names a bad one), libcurl with default timeouts.
Result<std::unique_ptr<verify::VerificationEngine>> make_verification_engine(const ScanArgs& args);
int run_rules(const RulesArgs& args);
int run_hook(const HookArgs& args);

}  // namespace keysweep::cli
