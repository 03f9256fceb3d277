// libkeysweep: the engine as a library. Scan a buffer or a set of paths, receive findings.
//
//   auto scanner = keysweep::Scanner::create({});
//   if (!scanner) { /* scanner.error().to_string() */ }
//   scanner->scan_buffer(text, "config.js", [](const keysweep::Finding& f) { ... });
//
// Findings carry the secret in `secret` for the caller's own use (pairing, verification); print
// `redacted` unless your user asked to see secrets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep {

// Hiding accepted findings, as `keysweep scan` does (docs/SUPPRESSION.md), through the same code.
// Paths are read when the Scanner is created; a missing or invalid file is a create() error.
struct SuppressionOptions {
  bool enabled = true;                     // false: like --no-suppress, report everything
  bool allow_comments = true;              // honour `keysweep:allow` on the secret's line
  std::string baseline{};                  // like --baseline FILE
  std::string config{};                    // like --config FILE: a keysweep.toml
  // Look for keysweep.toml and .keysweepignore here and up to the repository root, as `scan`
  // does from its first path; "" looks nowhere (a library should not read files it was not
  // told about). A config found or given adds its [rules] paths, [scan] exclude and
  // max_file_size (when max_file_size is left at its default), disables and allowlist, and its
  // [suppress] baseline and ignore_files (unless `baseline` is given); a .gitleaksignore found
  // there counts as an ignore file. Scanned directories skip `.git`, as `scan` does.
  std::string project_dir{};
  // Like --ignore-file FILE: patterns relative to the working directory at create().
  std::vector<std::string> ignore_files{};
  std::vector<std::string> disable_rules{};  // like --disable-rule ID|GLOB
};

struct ScannerOptions {
  // No limit: a large plain file is scanned in windows; a smaller value skips larger files, each
  // listed in ScanTotals::warnings.
  static constexpr uint64_t kDefaultMaxFileSize = ~uint64_t{0};
  // Every member has a default initializer: designated initializers may name any subset
  // (`{.suppression = {.baseline = "b.json"}}`) without -Wmissing-field-initializers.
  std::vector<std::string> extra_rule_paths{};  // rule files or directories, added to built-ins
  bool open_containers = true;  // parse zips, DEX, resources, ... inside the input
  unsigned jobs = 0;            // scan_paths worker threads (0 = every core)
  uint64_t max_file_size = kDefaultMaxFileSize;
  SuppressionOptions suppression{};
};

struct ScanTotals {
  uint64_t files = 0, blobs = 0, bytes = 0;
  uint64_t findings = 0;  // reported: after suppression
  std::vector<std::string> warnings;  // "path: reason", one per problem input
  // Findings hidden by each mechanism ("baseline", "allow-comment", "ignore-file", "allowlist",
  // "rule-disabled"): every key present, 0 when it hid nothing. Empty with suppression disabled.
  std::map<std::string, uint64_t> suppressed;
};

using FindingCallback = std::function<void(const Finding&)>;
// A hidden finding and why (not those of disabled rules, which are only counted).
using SuppressedCallback = std::function<void(const Finding&, const Suppression&)>;

class Scanner {
 public:
  static Result<Scanner> create(const ScannerOptions& options);
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Scans `data` as if it were a file called `name`. Thread-safe: each call uses its own scratch.
  // Suppressed findings go to `on_suppressed`, when given, after the reported ones.
  Result<ScanTotals> scan_buffer(std::string_view data, std::string_view name,
                                 const FindingCallback& on_finding,
                                 const SuppressedCallback& on_suppressed = {}) const;
  // Scans files and directories with the worker pool; findings arrive sorted, after the scan.
  Result<ScanTotals> scan_paths(const std::vector<std::string>& paths,
                                const FindingCallback& on_finding,
                                const SuppressedCallback& on_suppressed = {}) const;

  size_t rule_count() const;

 private:
  struct Impl;
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keysweep
