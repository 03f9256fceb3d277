// Baselines: `keysweep baseline create` records the findings of today; `scan --baseline FILE` then
// reports only new ones. An entry holds a fingerprint of (rule id, path relative to the baseline's
// directory, symbol, secret SHA-256), never the secret and never a line or offset: a finding stays
// known when lines are added above it, and when keysweep runs from another directory.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "suppress/relative_path.h"

namespace keysweep::suppress {

struct BaselineEntry {
  std::string fingerprint;    // 32 hex digits, what matching uses
  std::string rule_id;        // the rest is for the people who review the file
  std::string path;           // relative to the baseline's directory, container entries after '!'
  std::string symbol;
  std::string secret_sha256;  // or its HMAC when secret_hash_keyed (Finding::secret_hash_keyed)
  std::string part_of;        // for a part of a multi-part credential: the pair's id
  bool secret_hash_keyed = false;
};

class Baseline {
 public:
  static constexpr int kFormatVersion = 1;

  // Every finding, and each part of a multi-part one, relative to `paths`' base directory.
  static Baseline from_findings(const std::vector<Finding>& findings, RelativePaths& paths);
  static Result<Baseline> parse(std::string_view json_text, const std::string& source);
  static Result<Baseline> load(const std::string& path);

  // Deterministic JSON (sorted entries), so a regenerated baseline diffs cleanly.
  std::string to_json(const std::string& tool_version) const;

  // Known if its own fingerprint is recorded, or (a pair) if each of its parts is: a credential
  // whose halves were accepted separately is not new because it now pairs up.
  bool covers(const Finding& f, RelativePaths& paths) const;

  const std::vector<BaselineEntry>& entries() const { return entries_; }

  // The fingerprint a baseline records for `f`: finding_fingerprint over the path relative to
  // the baseline's directory.
  static std::string fingerprint(const Finding& f, RelativePaths& paths);

 private:
  void add(BaselineEntry e);
  std::vector<BaselineEntry> entries_;
  std::set<std::string> fingerprints_;
};

}  // namespace keysweep::suppress
