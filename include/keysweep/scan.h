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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep {

struct ScannerOptions {
  std::vector<std::string> extra_rule_paths;  // rule files or directories, added to the built-ins
  bool open_containers = true;                // parse zips, DEX, resources, ... inside the input
  unsigned jobs = 0;                          // scan_paths worker threads (0 = every core)
  uint64_t max_file_size = 512ull << 20;
};

struct ScanTotals {
  uint64_t files = 0, blobs = 0, bytes = 0, findings = 0;
  std::vector<std::string> warnings;  // "path: reason", one per problem input
};

using FindingCallback = std::function<void(const Finding&)>;

class Scanner {
 public:
  static Result<Scanner> create(const ScannerOptions& options);
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Scans `data` as if it were a file called `name`. Thread-safe: each call uses its own scratch.
  Result<ScanTotals> scan_buffer(std::string_view data, std::string_view name,
                                 const FindingCallback& on_finding) const;
  // Scans files and directories with the worker pool; findings arrive sorted, after the scan.
  Result<ScanTotals> scan_paths(const std::vector<std::string>& paths,
                                const FindingCallback& on_finding) const;

  size_t rule_count() const;

 private:
  struct Impl;
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keysweep
