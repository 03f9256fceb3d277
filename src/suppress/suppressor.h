// The suppression stage: after findings are built and paired, hides what the user has accepted
// and counts, per mechanism, what it hid. Every mechanism's count goes into ScanSummary.suppressed,
// so a report always says how much it is not showing.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "rules/rule.h"
#include "suppress/baseline.h"
#include "suppress/gitleaks_ignore.h"
#include "suppress/ignore_list.h"

namespace re2 {
class RE2;
}

namespace keysweep::suppress {

// The names reports use, in the order a finding is checked: it is counted under the first that
// hides it.
inline constexpr const char* kRuleDisabled = "rule-disabled";
inline constexpr const char* kIgnoreFile = "ignore-file";
inline constexpr const char* kAllowlist = "allowlist";
inline constexpr const char* kAllowComment = "allow-comment";
inline constexpr const char* kBaseline = "baseline";

struct PathPatterns {
  IgnoreList list;
  std::string base_dir;  // what its patterns are relative to
  std::string source;    // the file that lists them (named in a suppression's justification)
};

struct SuppressionSettings {
  std::vector<std::string> disabled_rules;  // ids or globs ("generic.*")
  std::vector<PathPatterns> ignore_files;
  // .gitleaksignore found beside keysweep.toml's place: counted as an ignore file.
  std::optional<GitleaksIgnore> gitleaks_ignore;
  std::string gitleaks_ignore_path;  // its paths are relative to this file's directory
  std::vector<std::string> allow_sha256;
  std::vector<std::string> allow_regexes;
  std::optional<PathPatterns> allow_paths;
  bool allow_comments = true;
  std::optional<Baseline> baseline;
  std::string baseline_dir;   // the baseline's paths are relative to it
  std::string baseline_path;  // the file, for justifications
  std::string config_path;    // the keysweep.toml the allowlist comes from, for justifications
  // What relative finding paths are relative to (a git scan's work tree); empty: the current
  // directory.
  std::string finding_root;
};

// A finding the stage hid, and why: what SARIF's `suppressions` and --include-suppressed show.
struct SuppressedFinding {
  Finding finding;
  Suppression why;
};

// Every glob must name a rule or a pair of `rules`: a typo would otherwise disable nothing,
// silently. The error names the first glob that matches nothing.
Result<void> check_rule_globs(const std::vector<std::string>& globs, const RuleSet& rules);

class Suppressor {
 public:
  // Checks that every disabled pattern names a rule or a pair of `rules` (a typo would otherwise
  // disable nothing, silently) and that every allowlist regex compiles.
  static Result<Suppressor> create(SuppressionSettings settings, const RuleSet& rules);
  Suppressor(Suppressor&&) noexcept;
  Suppressor& operator=(Suppressor&&) noexcept;
  ~Suppressor();

  // Removes hidden findings and adds their counts to `counts` (every mechanism gets a key, 0 when
  // it hid nothing, so machine-readable reports have a fixed shape). When `hidden` is given, the
  // hidden findings move there with their Suppression, except those of disabled rules: a disabled
  // rule makes no findings at all, it is not an accepted risk to list.
  void apply(std::vector<Finding>& findings, std::map<std::string, uint64_t>& counts,
             std::vector<SuppressedFinding>* hidden = nullptr);

  // Allow comments naming a rule id or glob that matches no rule ("keysweep:allow aws.acess_key" at
  // FILE:LINE), each once: such a comment hides nothing, and its author should hear about it.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // The mechanism hiding `f`, or nullptr.
  const char* reason(const Finding& f);
  // The mechanism, the file behind it and a sentence saying so; nullopt when `f` is not hidden.
  std::optional<Suppression> suppression(const Finding& f);

 private:
  Suppressor() = default;
  bool rule_disabled(const Finding& f) const;
  bool path_matches(PathPatterns& patterns, std::unique_ptr<RelativePaths>& rel, const Finding& f);
  bool allowlisted(const Finding& f);
  static const char* mechanism_name(const std::string& m);
  void check_allow_comment_ids(const Finding& f);

  SuppressionSettings s_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::vector<std::unique_ptr<RelativePaths>> ignore_rel_;
  std::unique_ptr<RelativePaths> allow_rel_;
  std::unique_ptr<RelativePaths> baseline_rel_;
  std::unique_ptr<RelativePaths> gitleaks_rel_;
  std::vector<std::string> known_ids_;  // rule ids and pair ids
  std::set<std::string> warned_;
  std::vector<std::string> warnings_;
};

}  // namespace keysweep::suppress
