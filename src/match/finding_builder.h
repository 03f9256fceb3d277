// Turns confirmed matches into Findings: location (line, column, symbol), hashes, redaction.
#pragma once

#include <vector>

#include "core/blob.h"
#include "keysweep/finding.h"
#include "match/matcher.h"

namespace keysweep {

// Bytes searched on each side of a secret for a `keysweep:allow` comment on its line.
inline constexpr uint64_t kAllowCommentReach = 4096;

struct FindingOptions {
  bool show_secrets = false;  // keep snippet_clear; `secret` is always filled for pairing/verify
  // Key for the hashes of guessable secrets (Finding::secret_hash_keyed). Empty: every hash is
  // plain SHA-256 (the library's default; the CLI always sets one, cli/hash_key.h).
  std::string secret_hash_key;
};

// `matches` must be ordered by secret offset (as Matcher::scan returns them).
void build_findings(const Blob& blob, const RuleSet& rules, const std::vector<RuleMatch>& matches,
                    const FindingOptions& options, std::vector<Finding>& out);

}  // namespace keysweep
