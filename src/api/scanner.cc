// The public facade over the pipeline: what include/keysweep/scan.h promises.
#include "keysweep/scan.h"

#include "match/matcher.h"
#include "pipeline/scan_pipeline.h"
#include "rules/rule.h"

namespace keysweep {

struct Scanner::Impl {
  std::unique_ptr<Matcher> matcher;
  ScanConfig config;
};

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

Result<Scanner> Scanner::create(const ScannerOptions& options) {
  auto rules = load_builtin_rules();
  if (!rules) return std::unexpected(rules.error());
  for (const auto& p : options.extra_rule_paths) {
    auto r = load_rules_from_path(*rules, p);
    if (!r) return std::unexpected(r.error());
  }
  if (auto lint = lint_rules(*rules); !lint) return std::unexpected(lint.error());
  auto matcher = Matcher::compile(std::move(*rules));
  if (!matcher) return std::unexpected(matcher.error());
  auto impl = std::make_unique<Impl>();
  impl->matcher = std::move(*matcher);
  impl->config.jobs = options.jobs;
  impl->config.open_containers = options.open_containers;
  impl->config.limits.max_file_size = options.max_file_size;
  return Scanner(std::move(impl));
}

namespace {

ScanTotals totals_from(const ScanSummary& s, const std::vector<Diagnostic>& diagnostics) {
  ScanTotals t;
  t.files = s.files_scanned;
  t.blobs = s.blobs_scanned;
  t.bytes = s.bytes_scanned;
  t.findings = s.findings;
  for (const auto& d : diagnostics) t.warnings.push_back(d.to_string());
  return t;
}

}  // namespace

Result<ScanTotals> Scanner::scan_buffer(std::string_view data, std::string_view name,
                                        const FindingCallback& on_finding) const {
  ScanPipeline pipeline(*impl_->matcher, impl_->config);
  auto scratch = impl_->matcher->make_scratch();
  CollectingDiagnostics diagnostics;
  std::vector<Finding> findings;
  ScanSummary summary;
  Blob blob(data, nullptr, {std::string(name)});
  pipeline.scan_blob(blob, *scratch, diagnostics, findings, summary);
  sort_findings(findings);
  summary.findings = findings.size();
  for (const auto& f : findings) on_finding(f);
  return totals_from(summary, diagnostics.take());
}

Result<ScanTotals> Scanner::scan_paths(const std::vector<std::string>& paths,
                                       const FindingCallback& on_finding) const {
  ScanPipeline pipeline(*impl_->matcher, impl_->config);
  CollectingDiagnostics diagnostics;
  ScanOutcome outcome = pipeline.scan_paths(paths, diagnostics);
  for (const auto& f : outcome.findings) on_finding(f);
  return totals_from(outcome.summary, outcome.summary.diagnostics);
}

size_t Scanner::rule_count() const { return impl_->matcher->rules().rules.size(); }

}  // namespace keysweep
