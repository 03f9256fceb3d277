#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/suppression.h"
#include "core/risk.h"
#include "core/scan_summary.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "rules/rule.h"

namespace CLI {
class App;
}

namespace keysweep::verify {
class VerificationEngine;
}

namespace keysweep::cli {

#ifndef KEYSWEEP_VERSION
#error "KEYSWEEP_VERSION must be defined (src/cli/CMakeLists.txt)"
#endif
inline constexpr const char* kVersion = KEYSWEEP_VERSION;

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
  std::string max_file_size;  // "": no limit (a plain file of any size is scanned in windows)
  std::string window_size;    // hidden --window-size, for tests: "" = ScanConfig's default
  std::string part_size;      // hidden --part-size, for tests: "" = ScanConfig's default
  std::string inject_read_error;  // hidden --inject-read-error PATH, for tests: reads of PATH fail (EIO)
  std::string memory_budget;  // --memory-budget; empty: sized to the machine
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
  std::string min_confidence;  // low | medium | high: hide findings below it ("" = all)
  std::string min_severity;    // info | low | medium | high | critical (core/risk.h)
  std::vector<std::string> verify_endpoint_overrides;
  std::optional<unsigned> verify_timeout_seconds;  // the whole verification phase (default 300 s)  // PROVIDER=http://127.0.0.1:PORT, tests only
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
  std::string format = "json";  // json | html | human | csv
  std::string output;
  std::string metadata;   // CSV: app_id,publisher,installs,store
  std::optional<size_t> top;  // clusters listed (0: all; default by format)
  bool deterministic = false;
  std::string by = "cluster";  // cluster | publisher
  std::vector<std::string> disable_rules;  // ids or globs
  std::string min_confidence, min_severity;
  std::vector<std::string> rule_paths;  // --rules: custom rules' grants and remediation
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

// --only-verified: what it did not list, by why (the exit code and a message on stderr say so).
struct OnlyVerifiedCounts {
  uint64_t unknown = 0;      // a verifier ran but could not tell (no network, provider error)
  uint64_t no_verifier = 0;  // no verifier for the rule: nobody can say it is not live
  uint64_t revoked = 0;
  uint64_t total() const { return unknown + no_verifier + revoked; }
  void add(const OnlyVerifiedCounts& o) {
    unknown += o.unknown;
    no_verifier += o.no_verifier;
    revoked += o.revoked;
  }
};
OnlyVerifiedCounts count_not_live(const std::vector<Finding>& findings);
void tell_only_verified(const OnlyVerifiedCounts& counts, const std::string& offline_reason);
// 2 when some credential could not be checked, else 1 when some has no verifier, else `rc`.
int only_verified_exit(const OnlyVerifiedCounts& counts, int rc);

// --min-confidence / --min-severity on `scan`: hides findings below either and counts them in
// ScanSummary::suppressed ("min-confidence", "min-severity").
struct FindingFilter {
  std::optional<Confidence> min_confidence;
  std::optional<Risk> min_severity;
  static Result<FindingFilter> from(const ScanArgs& args);
  bool active() const { return min_confidence || min_severity; }
  void apply(std::vector<Finding>& findings, ScanSummary& summary,
             const std::function<const Rule*(const Finding&)>& rule_of) const;
};
// A single finding's severity: its rule's grants, its confidence and verification, one app.
Risk finding_severity(const Finding& f, const Rule* rule);
int run_hook(const HookArgs& args);

}  // namespace keysweep::cli
