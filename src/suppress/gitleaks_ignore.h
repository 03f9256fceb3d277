// .gitleaksignore: the fingerprints gitleaks users have accepted, read so that a repository moving
// to keysweep keeps them. gitleaks writes one per line as `FILE:RULE:LINE` (a directory scan) or
// `COMMIT:FILE:RULE:LINE` (history). gitleaks' rule ids are not keysweep's (`generic-api-key`
// vs `generic.api_key`), so an entry is matched by what both tools agree on: the file (relative to
// the .gitleaksignore's directory), the line and, when given, the commit. Lines that do not have
// this shape are skipped, not errors: the file belongs to another tool.
#pragma once

#include <string>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "suppress/relative_path.h"

namespace keysweep::suppress {

inline constexpr const char* kGitleaksIgnoreFileName = ".gitleaksignore";

struct GitleaksFingerprint {
  std::string commit;  // full or abbreviated id; empty for a directory-scan fingerprint
  std::string path;
  std::string rule;    // gitleaks' id, kept for messages only
  uint32_t line = 0;
};

class GitleaksIgnore {
 public:
  static GitleaksIgnore parse(std::string_view text);
  static Result<GitleaksIgnore> load(const std::string& path);

  // Whether an entry names this finding's file and line (and commit, when the entry has one).
  const GitleaksFingerprint* match(const Finding& f, RelativePaths& paths) const;
  const std::vector<GitleaksFingerprint>& entries() const { return entries_; }

 private:
  std::vector<GitleaksFingerprint> entries_;
};

}  // namespace keysweep::suppress
