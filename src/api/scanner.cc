// The public facade over the pipeline: what include/keysweep/scan.h promises.
#include "keysweep/scan.h"

#include <mutex>

#include "match/matcher.h"
#include "pipeline/scan_pipeline.h"
#include "rules/rule.h"
#include "suppress/setup.h"
#include "suppress/suppressor.h"

namespace keysweep {

struct Scanner::Impl {
  std::unique_ptr<Matcher> matcher;
  ScanConfig config;
  // Null when suppression is disabled. Its path caches are not thread-safe: one scan at a time
  // runs it (the scans themselves stay parallel).
  std::unique_ptr<suppress::Suppressor> suppressor;
  std::mutex suppress_mu;
};

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

namespace {

// The CLI's --baseline, --config, --ignore-file, --disable-rule as a request to the stage they
// share (suppress/setup.h).
suppress::SuppressionRequest request_from(const SuppressionOptions& o) {
  suppress::SuppressionRequest r;
  if (!o.project_dir.empty()) r.scan_paths = {o.project_dir};
  r.discover = !o.project_dir.empty();
  r.config = o.config;
  r.allow_comments = o.allow_comments;
  r.use_config_suppressions = o.enabled;  // disabled: no baseline or ignore files from the config
  if (o.enabled) {
    r.ignore_files = o.ignore_files;
    r.disable_rules = o.disable_rules;
    r.baseline = o.baseline;
  }
  return r;
}

}  // namespace

Result<Scanner> Scanner::create(const ScannerOptions& options) {
  auto setup = suppress::setup_suppression(request_from(options.suppression));
  if (!setup) return std::unexpected(setup.error());
  auto rules = load_builtin_rules();
  if (!rules) return std::unexpected(rules.error());
  std::vector<std::string> rule_paths = options.extra_rule_paths;
  if (setup->config)  // the config's rules first: an explicit path replaces a rule of the same id
    rule_paths.insert(rule_paths.begin(), setup->config->rule_paths.begin(),
                      setup->config->rule_paths.end());
  for (const auto& p : rule_paths) {
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
  if (setup->config) {
    impl->config.walk.excludes = setup->config->excludes;
    if (setup->max_file_size && options.max_file_size == ScannerOptions::kDefaultMaxFileSize)
      impl->config.limits.max_file_size = *setup->max_file_size;
  }
  if (options.suppression.enabled) {
    auto suppressor = suppress::Suppressor::create(std::move(setup->settings), impl->matcher->rules());
    if (!suppressor) return std::unexpected(suppressor.error());
    impl->suppressor = std::make_unique<suppress::Suppressor>(std::move(*suppressor));
  }
  return Scanner(std::move(impl));
}

namespace {

ScanTotals totals_from(const ScanSummary& s, const std::vector<Diagnostic>& diagnostics) {
  ScanTotals t;
  t.files = s.files_scanned;
  t.blobs = s.blobs_scanned;
  t.bytes = s.bytes_scanned;
  t.findings = s.findings;
  t.suppressed = s.suppressed;
  for (const auto& d : diagnostics) t.warnings.push_back(d.to_string());
  return t;
}

// The same stage as `scan`'s (cli/suppression.cc): hide, count, hand the hidden ones over.
void deliver(suppress::Suppressor* suppressor, std::mutex& mu, std::vector<Finding>& findings,
             ScanSummary& summary, const FindingCallback& on_finding,
             const SuppressedCallback& on_suppressed) {
  std::vector<suppress::SuppressedFinding> hidden;
  if (suppressor) {
    std::lock_guard lock(mu);
    suppressor->apply(findings, summary.suppressed, on_suppressed ? &hidden : nullptr);
  }
  summary.findings = findings.size();
  for (const auto& f : findings) on_finding(f);
  for (const auto& h : hidden) on_suppressed(h.finding, h.why);
}

}  // namespace

Result<ScanTotals> Scanner::scan_buffer(std::string_view data, std::string_view name,
                                        const FindingCallback& on_finding,
                                        const SuppressedCallback& on_suppressed) const {
  ScanPipeline pipeline(*impl_->matcher, impl_->config);
  auto scratch = impl_->matcher->make_scratch();
  CollectingDiagnostics diagnostics;
  std::vector<Finding> findings;
  ScanSummary summary;
  Blob blob(data, nullptr, {std::string(name)});
  pipeline.scan_blob(blob, *scratch, diagnostics, findings, summary);
  sort_findings(findings);
  deliver(impl_->suppressor.get(), impl_->suppress_mu, findings, summary, on_finding, on_suppressed);
  return totals_from(summary, diagnostics.take());
}

Result<ScanTotals> Scanner::scan_paths(const std::vector<std::string>& paths,
                                       const FindingCallback& on_finding,
                                       const SuppressedCallback& on_suppressed) const {
  ScanPipeline pipeline(*impl_->matcher, impl_->config);
  CollectingDiagnostics diagnostics;
  ScanOutcome outcome = pipeline.scan_paths(paths, diagnostics);
  deliver(impl_->suppressor.get(), impl_->suppress_mu, outcome.findings, outcome.summary,
          on_finding, on_suppressed);
  return totals_from(outcome.summary, outcome.summary.diagnostics);
}

size_t Scanner::rule_count() const { return impl_->matcher->rules().rules.size(); }

}  // namespace keysweep
