// The reporter seam: one class per output format, each streaming findings to an ostream.
// Reporters never print a secret in clear unless options.show_secrets is set.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/scan_summary.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "rules/rule.h"

namespace keysweep {

struct ReportOptions {
  bool show_secrets = false;
  bool color = false;  // ANSI colour (human format on a TTY)
  std::string tool_version;
  // SARIF artifact URIs are relative to this directory when a file is under it (empty: the
  // current directory), as GitHub code scanning resolves them against the checkout.
  std::string base_dir;
  // `scan --verify` ran: every format then shows each finding's Verification and the counts.
  bool verification = false;
  // Endpoint overrides in effect ("twilio=http://127.0.0.1:8080"): every format says so, since
  // its verification results then did not come from the providers.
  std::vector<std::string> verify_endpoint_overrides;
  std::string verify_offline_reason;  // set when verification found no network
  // `scan --git`: findings carry Location::git; CSV adds its columns, SARIF names the repository.
  bool git = false;
  std::string git_repository_uri;  // remote "origin", else file:// of the repository
  std::string git_revision;        // HEAD's commit id
  std::string git_branch;
  // `--include-suppressed`: json and jsonl list hidden findings too, with `suppressed_by`.
  bool include_suppressed = false;
};

// Live / revoked / unknown / not checked among the findings a reporter wrote.
struct VerificationCounts {
  uint64_t live = 0, revoked = 0, unknown = 0, not_checked = 0;
  void add(const Finding& f);
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void begin() {}
  virtual void finding(const Finding& f, const Rule* rule) = 0;
  // A finding the suppression stage hid (after every finding). Formats that cannot say it was
  // hidden ignore it: SARIF lists it with `suppressions`, json/jsonl with `suppressed_by` when
  // options.include_suppressed.
  virtual void suppressed(const Finding& f, const Rule* rule, const Suppression& why) {
    (void)f, (void)rule, (void)why;
  }
  // Called once after the last finding.
  virtual void end(const ScanSummary& summary) = 0;
};

// "human", "json", "jsonl", "sarif", "csv"; an unknown name is an error listing the known ones.
Result<std::unique_ptr<Reporter>> make_reporter(const std::string& format, std::ostream& out,
                                                const ReportOptions& options);
const std::vector<std::string>& reporter_names();

}  // namespace keysweep
