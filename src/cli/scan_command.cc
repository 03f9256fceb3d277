#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/hash_key.h"
#include "cli/commands.h"
#include "cli/fleet_scan.h"
#include "cli/options.h"
#include "core/risk.h"
#include "core/stderr_lines.h"
#include "io/file_faults.h"
#include "pipeline/scan_pipeline.h"
#include "report/reporter.h"
#include "report/risk_order.h"
#include "verify/registry.h"
#include "verify/verification_engine.h"

namespace keysweep::cli {

void add_scan_options(CLI::App& cmd, ScanArgs& a) {
  cmd.add_option("paths", a.paths, "Files and directories to scan (or --input-list; with --git: the repository)");
  cmd.add_option("-f,--format", a.format, "Output format: human, json, jsonl, sarif, csv")
      ->capture_default_str();
  cmd.add_option("-o,--output", a.output, "Write the report to FILE instead of standard output");
  cmd.add_flag("--show-secrets", a.show_secrets, "Print secrets in clear (default: redacted)");
  cmd.add_option("-j,--jobs", a.jobs, "Worker threads (default: every core)");
  cmd.add_option("--max-file-size", a.max_file_size,
                 "Skip files larger than this (e.g. 10MiB, 1G); each is listed as not fully read. "
                 "Default: no limit (a large plain file is scanned in windows by several workers; "
                 "--git: 512MiB per blob)");
  // For tests, so that a file of a few kilobytes spans windows; hidden from --help.
  cmd.add_option("--window-size", a.window_size, "Bytes per window of a large plain file")->group("");
  // For tests, so that a zip of a few kilobytes is read in parts; hidden from --help.
  cmd.add_option("--part-size", a.part_size, "Bytes per part of a container read by several workers (0: none)")
      ->group("");
  cmd.add_option("--inject-read-error", a.inject_read_error, "Reads of this path fail with EIO (tests)")->group("");
  cmd.add_option("--memory-budget", a.memory_budget,
                 "Inflated archive entries held at once by all workers together (e.g. 2GiB); "
                 "a worker waits for room rather than pass it; --git: also the most the list of "
                 "blobs to scan keeps in memory, the rest in a temporary file (default: a quarter "
                 "of the memory)");
  // One value per flag (repeat the flag): the paths after it stay paths, also now that they are
  // optional (--input-list).
  cmd.add_option("--exclude", a.excludes, "Skip paths matching this glob (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--follow-symlinks", a.follow_symlinks, "Follow symbolic links while walking");
  cmd.add_flag("--include-git-dir", a.include_git_dir,
               "Also walk .git directories as files (skipped by default; --git scans history)");
  cmd.add_flag("--respect-gitignore", a.respect_gitignore,
               "Skip files the repository's .gitignore ignores (off by default: an ignored .env "
               "is where secrets hide)");
  cmd.add_option("--rules", a.rule_paths, "Extra rule file or directory of *.toml (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--exit-zero", a.exit_zero, "Exit 0 even when credentials are found");
  cmd.add_option("--color", a.color, "auto, always or never")->capture_default_str();
  cmd.add_flag("--no-extract", a.no_extract, "Scan containers (zip, dex, ...) as raw bytes only");
  cmd.add_flag("--no-decode", a.no_decode,
               "Do not decode base64, hex, %XX, \\u escapes or UTF-16 text, nor join string "
               "literals, to scan it too");
  cmd.add_flag("-q,--quiet", a.quiet, "Do not echo warnings to standard error as they happen");
  cmd.add_flag("--verify", a.verify,
               "Ask each credential's provider whether it works and as whom (one read-only API "
               "call per credential, to the provider's documented host only)");
  cmd.add_flag("--only-verified", a.only_verified,
               "Report only credentials verified live (implies --verify); exits 2 when some could "
               "not be checked (no network, provider error), 1 when some have no verifier");
  cmd.add_option("--verify-timeout", a.verify_timeout_seconds,
                 "Seconds for the whole verification phase (default 300); checks not started by then "
                 "stay unknown")
      ->check(CLI::Range(1u, 86400u));
  cmd.add_option("--min-confidence", a.min_confidence,
                 "Hide findings below this confidence: low, medium or high (the summary counts them)")
      ->check(CLI::IsMember(confidence_names()));
  cmd.add_option("--min-severity", a.min_severity,
                 "Hide findings below this severity: info, low, medium, high or critical (from what "
                 "the credential grants, its confidence and verification; docs/FLEET.md)")
      ->check(CLI::IsMember(risk_names()));
  // For tests against a local mock only (README, "Testing"); hidden from --help.
  cmd.add_option("--verify-endpoint-override", a.verify_endpoint_overrides,
                 "PROVIDER=http://127.0.0.1:PORT: send PROVIDER's checks to a loopback test server")
      ->allow_extra_args(false)  // one value per flag: the paths after it stay paths
      ->group("");
  add_fleet_options(cmd, a.fleet);
  add_suppress_options(cmd, a);
  cmd.add_flag("--git", a.git, "Scan the git history of the repository at PATH: every unique blob once");
  cmd.add_flag("--staged", a.staged, "Scan only what is staged for the next commit (pre-commit hook)");
  cmd.add_option("--diff", a.diff, "Scan only what the commits in A..B add (a pull request)");
  cmd.add_option("--since", a.since, "With --git: only the commits after REV");
  cmd.add_option("--ref", a.refs, "With --git: walk from this ref or revision (repeatable; default: all refs)")
      ->allow_extra_args(false);
}

Result<std::unique_ptr<verify::VerificationEngine>> make_verification_engine(const ScanArgs& a) {
  auto verifiers = verify::builtin_verifiers();
  auto overrides = verify::parse_endpoint_overrides(a.verify_endpoint_overrides, verifiers);
  if (!overrides) return std::unexpected(overrides.error());
  verify::VerifyOptions options;
  options.total_time = std::chrono::seconds(a.verify_timeout_seconds.value_or(300));
  options.endpoint_overrides = std::move(*overrides);
  return std::make_unique<verify::VerificationEngine>(
      std::move(verifiers), verify::make_curl_transport(verify::HttpTimeouts{}), options);
}

OnlyVerifiedCounts count_not_live(const std::vector<Finding>& findings) {
  OnlyVerifiedCounts c;
  for (const auto& f : findings) {
    switch (f.verification.status) {
      case Verification::Status::kLive: break;
      case Verification::Status::kRevoked: ++c.revoked; break;
      case Verification::Status::kUnknown: ++c.unknown; break;
      case Verification::Status::kNotChecked: ++c.no_verifier; break;
    }
  }
  return c;
}

void tell_only_verified(const OnlyVerifiedCounts& c, const std::string& offline_reason) {
  if (!c.unknown && !c.no_verifier) return;
  std::string why = offline_reason.empty() ? "the provider did not say" : "no network: " + offline_reason;
  std::fprintf(stderr,
               "keysweep: --only-verified: not listed, although they may be live: %llu credential%s "
               "that could not be checked (%s), %llu with no verifier; %llu revoked\n",
               static_cast<unsigned long long>(c.unknown), c.unknown == 1 ? "" : "s", why.c_str(),
               static_cast<unsigned long long>(c.no_verifier),
               static_cast<unsigned long long>(c.revoked));
}

int only_verified_exit(const OnlyVerifiedCounts& c, int rc) {
  if (rc == kExitError || c.unknown) return kExitError;  // the check itself did not happen
  if (c.no_verifier) return kExitFindings;               // found, and nobody can say it is dead
  return rc;
}

Result<FindingFilter> FindingFilter::from(const ScanArgs& a) {
  FindingFilter f;
  if (!a.min_confidence.empty()) f.min_confidence = parse_confidence(a.min_confidence);
  if (!a.min_severity.empty()) f.min_severity = parse_risk(a.min_severity);
  if ((!a.min_confidence.empty() && !f.min_confidence) || (!a.min_severity.empty() && !f.min_severity))
    return make_error(ErrorCode::kConfig, "--min-confidence takes low, medium or high; "
                                          "--min-severity info, low, medium, high or critical");
  return f;
}

Risk finding_severity(const Finding& f, const Rule* rule) { return finding_risk(f, rule).severity; }

void FindingFilter::apply(std::vector<Finding>& findings, ScanSummary& summary,
                          const std::function<const Rule*(const Finding&)>& rule_of) const {
  if (!active()) return;
  if (min_confidence) summary.suppressed["min-confidence"] += 0;
  if (min_severity) summary.suppressed["min-severity"] += 0;
  std::erase_if(findings, [&](const Finding& f) {
    if (min_confidence && f.confidence < *min_confidence) {
      ++summary.suppressed["min-confidence"];
      return true;
    }
    if (min_severity && finding_severity(f, rule_of(f)) < *min_severity) {
      ++summary.suppressed["min-severity"];
      return true;
    }
    return false;
  });
  summary.findings = findings.size();
}

namespace {

// Runs the verifiers over the paired findings and tells the user, once, when there is no network.
Result<verify::VerifyStats> verify_findings(const ScanArgs& a, std::vector<Finding>& findings) {
  auto engine = make_verification_engine(a);
  if (!engine) return std::unexpected(engine.error());
  verify::VerifyStats stats = (*engine)->verify(findings);
  if (!stats.offline_reason.empty())
    std::cerr << "keysweep: verification skipped: no network (" << stats.offline_reason << ")\n";
  return stats;
}

}  // namespace

int run_scan(const ScanArgs& args) {
  ScanArgs a = args;  // keysweep.toml adds to the flags
  auto suppression = prepare_suppression(a);
  if (!suppression) return fail(suppression.error());
  auto filter = FindingFilter::from(a);
  if (!filter) return fail(filter.error());
  if (filter->active() && !a.fleet.datastore.empty())
    return fail(Error{ErrorCode::kConfig,
                      "--datastore stores every finding: --min-confidence and --min-severity apply "
                      "to reports (keysweep report)",
                      "", std::nullopt});
  auto rules = load_rules(a.rule_paths);
  if (!rules) return fail(rules.error());
  auto matcher = Matcher::compile(std::move(*rules));
  if (!matcher) return fail(matcher.error());
  if (auto r = finish_suppression(*suppression, (*matcher)->rules()); !r) return fail(r.error());

  ScanConfig config;
  config.jobs = a.jobs;
  if (!a.max_file_size.empty()) {
    auto max_size = parse_size(a.max_file_size);
    if (!max_size) return fail(max_size.error());
    config.limits.max_file_size = *max_size;
  }
  if (!a.window_size.empty()) {
    auto window = parse_size(a.window_size);
    if (!window) return fail(window.error());
    if (*window == 0) return fail(Error{ErrorCode::kConfig, "--window-size must be positive", "", std::nullopt});
    config.window_size = *window;
  }
  if (!a.part_size.empty()) {
    auto part = parse_size(a.part_size);
    if (!part) return fail(part.error());
    config.container_part_size = *part;
  }
  if (!a.inject_read_error.empty()) {
    // The seam of io/file_faults.h, for end-to-end tests of a failing disk: every read of the path
    // (pread; not a mapping) fails as a dying disk's would.
    static FileFaults faults;
    faults.read_error = [path = a.inject_read_error](const std::string& p, uint64_t, uint64_t) {
      return p == path ? EIO : 0;
    };
    set_file_faults(&faults);
  }
  if (!a.memory_budget.empty()) {
    auto budget = parse_size(a.memory_budget);
    if (!budget) return fail(budget.error());
    if (*budget == 0)
      return fail(Error{ErrorCode::kConfig, "--memory-budget must be above 0", "", std::nullopt});
    config.memory_budget = *budget;
  }
  config.walk.follow_symlinks = a.follow_symlinks;
  config.walk.excludes = a.excludes;
  config.walk.include_git_dirs = a.include_git_dir;
  config.walk.respect_gitignore = a.respect_gitignore;
  config.finding.show_secrets = a.show_secrets;
  HashKey hash_key = load_hash_key();
  for (const auto& w : hash_key.warnings) std::cerr << "keysweep: warning: " << w << '\n';
  config.finding.secret_hash_key = std::move(hash_key.key);
  config.open_containers = !a.no_extract;
  if (a.no_decode) config.limits.max_decode_depth = 0;

  // A git scan reads one repository (default: the current directory), not a list of inputs.
  auto paths = a.git_mode() ? Result<std::vector<std::string>>(a.paths) : scan_inputs(a);
  if (!paths) return fail(paths.error());
  // A missing path fails a git scan (one repository); in a scan of files it is a problem input
  // like any other (file_walker.h), so that one bad line of an input list never stops a fleet.
  if (a.git_mode())
    for (const auto& p : *paths)
      if (access(p.c_str(), F_OK) != 0)
        return fail(Error{ErrorCode::kIo, "no such file or directory", p, std::nullopt});
  auto fleet = FleetScan::prepare(a, *paths, config);
  if (!fleet) return fail(fleet.error());

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!a.output.empty()) {
    file.open(a.output, std::ios::binary | std::ios::trunc);
    if (!file) return fail(Error{ErrorCode::kIo, "cannot write report", a.output, std::nullopt});
    out = &file;
  }
  ReportOptions ro;
  ro.show_secrets = a.show_secrets;
  ro.tool_version = kVersion;
  ro.include_suppressed = a.suppress.include_suppressed;
  ro.color = a.color == "always" ||
             (a.color == "auto" && a.output.empty() && isatty(STDOUT_FILENO) && a.format == "human");
  if (a.git_mode())
    if (auto g = prepare_git_scan(a, ro); !g) return fail(g.error());
  auto reporter = make_reporter(a.format, *out, ro);
  if (!reporter) return fail(reporter.error());

  const bool verify = a.verify || a.only_verified;
  if (verify) {
    // Checked before the scan, so a bad override fails fast rather than after a long scan.
    auto overrides =
        verify::parse_endpoint_overrides(a.verify_endpoint_overrides, verify::builtin_verifiers());
    if (!overrides) return fail(overrides.error());
  } else if (!a.verify_endpoint_overrides.empty()) {
    return fail(Error{ErrorCode::kConfig, "--verify-endpoint-override needs --verify", "",
                      std::nullopt});
  } else if (a.verify_timeout_seconds) {
    return fail(Error{ErrorCode::kConfig, "--verify-timeout needs --verify", "", std::nullopt});
  }

  CollectingDiagnostics diagnostics(/*echo_to_stderr=*/!a.quiet);
  ScanPipeline pipeline(**matcher, config);
  ScanOutcome outcome;
  if (a.git_mode()) {
    if ((*fleet)->has_datastore())
      return fail(Error{ErrorCode::kConfig, "--git does not write a datastore yet", "", std::nullopt});
    auto g = run_git_scan(a, pipeline, diagnostics);
    if (!g) return fail(g.error());
    outcome = std::move(*g);
  } else {
    if ((*fleet)->has_datastore()) {
      int rc = (*fleet)->run_into_datastore(pipeline, diagnostics);
      diagnostics.print_folded();
      return rc;
    }
    outcome = pipeline.scan_paths(*paths, diagnostics);
  }
  diagnostics.print_folded();
  (*fleet)->finish_progress();
  if (auto rc = apply_suppression(*suppression, a, outcome)) return *rc;

  const RuleSet& rule_set = (*matcher)->rules();
  // A pair reports with the rule of its secret part (its remediation is the one that matters).
  auto rule_of = [&](const Finding& f) {
    const Rule* rule = rule_set.find(f.rule_id);
    for (const auto& part : f.parts)
      if (!rule && part.pair_role == "secret") rule = rule_set.find(part.rule_id);
    return rule;
  };
  OnlyVerifiedCounts not_live;
  std::string offline_reason;
  if (verify) {
    auto stats = verify_findings(a, outcome.findings);
    if (!stats) return fail(stats.error());
    offline_reason = stats->offline_reason;
    if (a.only_verified) {
      // Not live is not "not a credential": what could not be checked is counted and told.
      not_live = count_not_live(outcome.findings);
      std::erase_if(outcome.findings, [](const Finding& f) {
        return f.verification.status != Verification::Status::kLive;
      });
      outcome.summary.suppressed["only-verified"] += not_live.total();
      outcome.summary.findings = outcome.findings.size();
    }
    ro.verification = true;
    ro.verify_endpoint_overrides = a.verify_endpoint_overrides;
    ro.verify_offline_reason = stats->offline_reason;
    // The report states the verification's outcome, known only now.
    reporter = make_reporter(a.format, *out, ro);
    if (!reporter) return fail(reporter.error());
  }

  // After verification: a credential verified live is more severe.
  filter->apply(outcome.findings, outcome.summary, rule_of);
  if (a.format == "csv" || a.format == "sarif")
    for (const char* how : {"min-confidence", "min-severity"})
      if (auto it = outcome.summary.suppressed.find(how);
          it != outcome.summary.suppressed.end() && it->second)
        std::fprintf(stderr, "keysweep: %llu findings hidden by --%s\n",
                     static_cast<unsigned long long>(it->second), how);

  sort_by_risk(outcome.findings, rule_of);
  (*reporter)->begin();
  for (const auto& f : outcome.findings) (*reporter)->finding(f, rule_of(f));
  // Hidden findings were not verified: a report of live credentials only does not list them.
  if (!a.only_verified)
    for (const auto& h : suppression->hidden) (*reporter)->suppressed(h.finding, rule_of(h.finding), h.why);
  (*reporter)->end(outcome.summary);
  out->flush();
  if (!*out) return fail(Error{ErrorCode::kIo, "writing the report failed", a.output, std::nullopt});

  if (a.only_verified) tell_only_verified(not_live, offline_reason);
  if (a.exit_zero) return kExitClean;
  if (a.format == "csv" && outcome.summary.inputs_unread)
    // CSV has no place for run metadata: say it on stderr (the warnings there say which and why).
    std::fprintf(stderr, "keysweep: %llu input%s could not be read\n",
                 static_cast<unsigned long long>(outcome.summary.inputs_unread),
                 outcome.summary.inputs_unread == 1 ? "" : "s");
  if (a.format == "csv")
    for (const auto& d : outcome.summary.not_fully_read)
      print_stderr_line("keysweep: not fully read: " + d.to_string());
  int rc = outcome.summary.had_errors() || outcome.summary.nothing_read() ? kExitError
           : outcome.findings.empty()                                       ? kExitClean
                                                                            : kExitFindings;
  return a.only_verified ? only_verified_exit(not_live, rc) : rc;
}

}  // namespace keysweep::cli
