// `keysweep report`: the fleet view of a datastore (credential clusters, reuse across apps,
// signers and publishers, SDK vs app code, users at risk) as JSON or one self-contained HTML page.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "fleet/fleet_output.h"
#include "fleet/store_reader.h"
#include "store/metadata_csv.h"

namespace keysweep::cli {

void add_report_options(CLI::App& cmd, ReportArgs& a) {
  cmd.add_option("--datastore", a.datastore,
                 "The datastore `scan --datastore` wrote: a SQLite file or a postgresql:// URI")
      ->required();
  cmd.add_option("-f,--format", a.format, "Output format: json or html")->capture_default_str();
  cmd.add_option("-o,--output", a.output, "Write the report to FILE instead of standard output");
  cmd.add_option("--metadata", a.metadata,
                 "CSV with app_id,publisher,installs,store; overrides what the datastore holds");
  cmd.add_option("--top", a.top,
                 "List only the N clusters with the most apps (0: all; HTML default 1000)")
      ->capture_default_str();
  cmd.add_flag("--deterministic", a.deterministic,
               "Leave out the run field (time, datastore, scan runs), so two reports over the same "
               "findings are byte-identical");
}

namespace {

constexpr size_t kHtmlDefaultTop = 1000;

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

}  // namespace

int run_report(const ReportArgs& a) {
  if (a.format != "json" && a.format != "html")
    return fail(Error{ErrorCode::kConfig, "unknown report format '" + a.format + "' (json, html)",
                      "", std::nullopt});
  struct stat st{};
  if (!is_postgres(a.datastore) && stat(a.datastore.c_str(), &st) != 0)
    return fail(Error{ErrorCode::kIo, "no such datastore", a.datastore, std::nullopt});
  auto db = store::Datastore::open(a.datastore);
  if (!db) return fail(db.error());
  auto data = fleet::read_fleet(**db);
  if (!data) return fail(data.error());
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
  // A page lists what a reader can take in; the JSON, meant for programs, lists every cluster.
  size_t top = a.top;
  if (a.format == "html" && top == 0) top = kHtmlDefaultTop;
  auto json = fleet::report_json(fleet::build_report(*data), run, top);
  std::string text = a.format == "html" ? fleet::report_html(json) : json.dump(2) + "\n";

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
