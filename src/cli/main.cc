// keysweep command line: flags, subcommands and wiring. Nothing depends on this folder.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "io/process_heap.h"

namespace {

// `keysweep help [SUBCOMMAND...]`: the same text as `keysweep SUBCOMMAND --help`, as git and
// cargo users expect.
int run_help(CLI::App& app, const std::vector<std::string>& topic) {
  CLI::App* cmd = &app;
  std::string path = "keysweep", parents;  // parents: what --help's usage line puts before the name
  for (const auto& name : topic) {
    CLI::App* sub = nullptr;
    for (CLI::App* candidate : cmd->get_subcommands({}))
      if (candidate->get_name() == name) sub = candidate;
    if (!sub || name == "help") {
      std::fprintf(stderr, "keysweep: error: no subcommand '%s %s' (see keysweep --help)\n",
                   path.c_str(), name.c_str());
      return keysweep::cli::kExitError;
    }
    path += " " + name;
    parents += (parents.empty() ? "" : " ") + cmd->get_name();
    cmd = sub;
  }
  // The formatter directly: App::help() on the top level would describe the subcommand parsed
  // last, which is `help` itself.
  std::string usage = parents.empty() ? cmd->get_name() : parents + " " + cmd->get_name();
  std::cout << cmd->get_formatter()->make_help(cmd, usage, CLI::AppFormatMode::Normal);
  return keysweep::cli::kExitClean;
}

// Every command's --help ends with what its exit status means, so a CI script can be written from
// --help alone.
void add_exit_codes(CLI::App& cmd, bool findings) {
  cmd.footer(findings ? "Exit codes: 0 no credentials found (or all suppressed, or --exit-zero); "
                        "1 credentials found; 2 the run failed (bad flag or settings file, no input "
                        "could be read, the report not written) or is incomplete (a read error, "
                        "EIO, in an input it opened; the rest is still scanned and reported). A "
                        "missing or unreadable input among others is a warning, not a failure."
                      : "Exit codes: 0 done; 2 it failed (bad flag or settings, I/O error).");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keysweep::cli;
  keysweep::tune_process_heap();
  CLI::App app{"keysweep: find hardcoded credentials in apps, source trees and git history"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(kVersion));

  ScanArgs scan;
  auto* scan_cmd = app.add_subcommand("scan", "Scan files and directories for credentials");
  add_scan_options(*scan_cmd, scan);

  ScanArgs baseline;
  auto* baseline_create_cmd = add_baseline_command(app, baseline);

  RulesArgs rules;
  auto* rules_cmd = app.add_subcommand("rules", "List, show, check or export the rules");
  add_rules_options(*rules_cmd, rules);

  ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Report the credentials in a datastore's apps, most urgent first, with who ships them and "
      "what to do (JSON, HTML, human or CSV)");
  add_report_options(*report_cmd, report);
  HookArgs hook;
  auto* hook_cmd = app.add_subcommand(
      "hook", "Install (or uninstall) a git pre-commit hook that runs scan --staged");
  add_hook_options(*hook_cmd, hook);

  std::vector<std::string> help_topic;
  auto* help_cmd = app.add_subcommand("help", "Show the help of keysweep or of a subcommand (keysweep help scan)");
  help_cmd->add_option("subcommand", help_topic, "e.g. scan, or baseline create");

  add_exit_codes(app, true);
  add_exit_codes(*scan_cmd, true);
  add_exit_codes(*baseline_create_cmd, false);
  rules_cmd->footer("Exit codes: 0 done; 1 `rules check` found a failing example; 2 it failed (bad "
                    "flag, a rule file that does not load).");
  add_exit_codes(*report_cmd, false);
  add_exit_codes(*hook_cmd, false);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitError;
  }
  if (scan_cmd->parsed()) return run_scan(scan);
  if (rules_cmd->parsed()) return run_rules(rules);
  if (report_cmd->parsed()) return run_report(report);
  if (baseline_create_cmd->parsed()) return run_scan(baseline);
  if (hook_cmd->parsed()) return run_hook(hook);
  if (help_cmd->parsed()) return run_help(app, help_topic);
  return kExitError;
}
