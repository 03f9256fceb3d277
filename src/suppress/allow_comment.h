// Inline allow comments: `keysweep:allow` on the secret's line hides the finding; followed by rule
// ids (`keysweep:allow twilio.auth_token, aws.*`) it hides only findings of those rules.
// `gitleaks:allow` and `trufflehog:ignore` (the other tools' markers) hide every finding on the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "keysweep/finding.h"

namespace keysweep::suppress {

struct AllowDirective {
  bool present = false;
  std::vector<std::string> rules;  // globs; empty: every rule
  std::string marker;              // "keysweep:allow", "gitleaks:allow" or "trufflehog:ignore"
};

// `text` starts at the marker (Finding::allow_comment). Rule ids follow it, separated by spaces or
// commas; the list ends at the first word that is not a rule id (an id or glob has a letter or
// digit and a '.' or a '*'), so a
// free-text reason after the ids, or the comment's closing `*/` or `-->`, is not read as one.
AllowDirective parse_allow_comment(std::string_view text);

// Whether the finding's own line allows it. A pair is allowed when the line of any of its parts
// allows that part's rule or the pair's id: the comment names the credential, not one half of it.
bool allowed_by_comment(const Finding& f);

}  // namespace keysweep::suppress
