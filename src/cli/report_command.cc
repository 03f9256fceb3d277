// `keysweep report`: the fleet view of a datastore (credential clusters in risk order, reuse
// across apps, signers and publishers, SDK vs app code, users at risk) as JSON, one
// self-contained HTML page, a terminal summary or CSV.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/risk.h"
#include "fleet/fleet_output.h"
#include "fleet/store_reader.h"
#include "store/metadata_csv.h"
#include "store/migrations.h"
#include "suppress/suppressor.h"

namespace keysweep::cli {

void add_report_options(CLI::App& cmd, ReportArgs& a) {
  cmd.add_option("--datastore", a.datastore,
                 "The datastore `scan --datastore` wrote: a SQLite file or a postgresql:// URI")
      ->required();
  cmd.add_option("-f,--format", a.format, "Output format: json, html, human or csv")
      ->capture_default_str();
  cmd.add_option("-o,--output", a.output, "Write the report to FILE instead of standard output");
  cmd.add_option("--metadata", a.metadata,
                 "CSV with app_id,publisher,installs,store; overrides what the datastore holds");
  cmd.add_option("--by", a.by,
                 "cluster: credentials in risk order; publisher: each publisher's (or signing "
                 "certificate's) apps and credentials, worst first")
      ->check(CLI::IsMember({"cluster", "publisher"}))
      ->capture_default_str();
  cmd.add_option("--top", a.top,
                 "List only the N most urgent credentials (and N configuration values); 0: all. "
                 "Default: all in json and csv, 1000 in html, 50 in human");
  cmd.add_option("--min-confidence", a.min_confidence,
                 "Leave out findings below this confidence: low, medium or high")
      ->check(CLI::IsMember(confidence_names()));
  cmd.add_option("--min-severity", a.min_severity,
                 "Leave out credentials below this severity: info, low, medium, high or critical")
      ->check(CLI::IsMember(risk_names()));
  cmd.add_option("--disable-rule", a.disable_rules,
                 "Leave out findings of this rule id or glob, e.g. generic.* (repeatable; a pair "
                 "by its id, e.g. twilio.account, or by all of its parts)")
      ->allow_extra_args(false);
  cmd.add_option("--rules", a.rule_paths,
                 "Extra rule file or directory of *.toml the scan used: their grants and "
                 "remediation (repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--deterministic", a.deterministic,
               "Leave out the run field (time, datastore, scan runs), so two reports over the same "
               "findings are byte-identical");
}

namespace {

constexpr size_t kHtmlDefaultTop = 1000;
constexpr size_t kHumanDefaultTop = 50;

bool is_postgres(const std::string& t) {
  return t.starts_with("postgresql://") || t.starts_with("postgres://");
}

// postgresql://user:secret@host/db -> postgresql://user@host/db: the report may be shared.
std::string without_password(const std::string& target) {
  auto scheme = target.find("://");
  auto at = target.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return target;
  auto colon = target.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return target;
  return target.substr(0, colon) + target.substr(at);
}

// Opens the store at the schema this keysweep reads: an older one is upgraded in place (the
// migrations only add), and stderr says from which version; a newer one, or a SQLite file that
// holds other tables and no keysweep schema, is refused with the reason.
Result<std::unique_ptr<store::Datastore>> open_for_report(const std::string& target) {
  auto db = store::Datastore::open_unmigrated(target);
  if (!db) return db;
  auto before = (*db)->schema_version();
  if (!before) return std::unexpected(before.error());
  if (*before == 0 && (*db)->dialect() == store::Dialect::kSqlite) {
    auto tables = (*db)->query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'");
    if (!tables) return std::unexpected(tables.error());
    if (!tables->empty() && store::as_int((*tables)[0][0]) > 0)
      return make_error(ErrorCode::kConfig,
                        "not a keysweep datastore (it has tables, but no schema_version)", target);
  }
  auto after = (*db)->migrate();
  if (!after) return std::unexpected(after.error());
  if (*before > 0 && *after > *before)
    std::fprintf(stderr, "keysweep: datastore upgraded from schema version %d to %d\n", *before, *after);
  return db;
}

Result<fleet::ReportFilter> report_filter(const ReportArgs& a, const RuleSet& rules) {
  fleet::ReportFilter f;
  if (auto ok = suppress::check_rule_globs(a.disable_rules, rules); !ok) return std::unexpected(ok.error());
  f.disabled_rules = a.disable_rules;
  if (!a.min_confidence.empty()) f.min_confidence = parse_confidence(a.min_confidence);
  if (!a.min_severity.empty()) f.min_severity = parse_risk(a.min_severity);
  return f;
}

}  // namespace

int run_report(const ReportArgs& a) {
  if (a.format != "json" && a.format != "html" && a.format != "human" && a.format != "csv")
    return fail(Error{ErrorCode::kConfig,
                      "unknown report format '" + a.format + "' (json, html, human, csv)", "",
                      std::nullopt});
  struct stat st{};
  if (!is_postgres(a.datastore) && stat(a.datastore.c_str(), &st) != 0)
    return fail(Error{ErrorCode::kIo, "no such datastore", a.datastore, std::nullopt});
  auto rules = load_rules(a.rule_paths);
  if (!rules) return fail(rules.error());
  auto filter = report_filter(a, *rules);
  if (!filter) return fail(filter.error());
  auto db = open_for_report(a.datastore);
  if (!db) return fail(db.error());
  auto data = fleet::read_fleet(**db);
  if (!data) return fail(data.error());
  fleet::add_rule_info(*data, *rules);
  if (!a.metadata.empty()) {
    auto rows = store::read_metadata_csv(a.metadata);
    if (!rows) return fail(rows.error());
    fleet::merge_metadata(*data, *rows);
  }
  std::optional<fleet::ReportRun> run;
  if (!a.deterministic) {
    auto info = fleet::read_run_info(**db);
    if (!info) return fail(info.error());
    run = std::move(*info);
    run->generated_at = store::utc_now();
    run->datastore = without_password(a.datastore);
    run->tool_version = kVersion;
  }
  const fleet::FleetReport report = fleet::build_report(*data, *filter);
  if (report.inputs == 0) std::fprintf(stderr, "keysweep: %s\n", report.notice.c_str());
  if (filter->active()) {
    std::string by;
    for (const auto& [how, n] : report.hidden.findings_by)
      by += (by.empty() ? "" : ", ") + std::to_string(n) + " by --" + how;
    std::fprintf(stderr, "keysweep: the filters hide %llu credential%s (%llu finding%s: %s)\n",
                 static_cast<unsigned long long>(report.hidden.clusters),
                 report.hidden.clusters == 1 ? "" : "s",
                 static_cast<unsigned long long>(report.hidden.findings),
                 report.hidden.findings == 1 ? "" : "s", by.c_str());
  }

  // A page or a terminal lists what a reader can take in; JSON and CSV, for programs, list all.
  fleet::OutputOptions options;
  options.view = a.by;
  options.max_clusters = a.top.value_or(a.format == "html"    ? kHtmlDefaultTop
                                        : a.format == "human" ? kHumanDefaultTop
                                                              : 0);
  std::string text;
  if (a.format == "human") {
    text = fleet::report_text(report, run, options);
  } else if (a.format == "csv") {
    text = fleet::report_csv(report, options);
  } else if (a.format == "html") {
    options.publishers = true;  // the page has a section per publisher whatever the view
    text = fleet::report_html(fleet::report_json(report, run, options));
  } else {
    text = fleet::report_json(report, run, options)
               .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
           "\n";
  }

  if (a.output.empty()) {
    std::cout << text;
    std::cout.flush();
    return std::cout ? kExitClean : kExitError;
  }
  std::ofstream file(a.output, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return fail(Error{ErrorCode::kIo, "cannot write report", a.output, std::nullopt});
  return kExitClean;
}

}  // namespace keysweep::cli
