#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "match/rule_check.h"

namespace keysweep::cli {

void add_rules_options(CLI::App& cmd, RulesArgs& a) {
  cmd.add_option("action", a.action, "list | show ID | check | export")
      ->required()
      ->check(CLI::IsMember({"list", "show", "check", "export"}));
  cmd.add_option("id", a.id, "Rule id (for show)");
  cmd.add_option("--format", a.format, "export: ripgrep or json; list: text or json")
      ->capture_default_str();
  cmd.add_option("--rules", a.rule_paths, "Extra rule file or directory of *.toml (repeatable)");
}

namespace {

nlohmann::json rule_json(const Rule& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"provider", r.provider},
          {"pattern", r.pattern},
          {"secret_group", r.secret_group},
          {"keywords", r.keywords},
          {"min_entropy", r.min_entropy},
          {"validators", r.validators},
          {"confidence", confidence_name(r.confidence)},
          {"pair", r.pair},
          {"pair_role", r.pair_role},
          {"grants", grants_name(r.grants)},
          {"references", r.references},
          {"remediation", r.remediation},
          {"source", r.source_file}};
}

}  // namespace

int run_rules(const RulesArgs& a) {
  auto rules = load_rules(a.rule_paths);
  if (!rules) return fail(rules.error());

  if (a.action == "list") {
    if (a.format == "json") {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : rules->rules) arr.push_back(rule_json(r));
      std::cout << arr.dump(2) << '\n';
    } else {
      for (const auto& r : rules->rules)
        std::printf("%-40s %-8s %-13s %s\n", r.id.c_str(), confidence_name(r.confidence),
                    grants_name(r.grants), r.name.c_str());
      std::printf("%zu rules\n", rules->rules.size());
    }
    return kExitClean;
  }
  if (a.action == "show") {
    const Rule* r = rules->find(a.id);
    if (!r) return fail(Error{ErrorCode::kConfig, "no rule with id '" + a.id + "'", {}, {}});
    std::cout << rule_json(*r).dump(2) << '\n';
    return kExitClean;
  }
  if (a.action == "export") {
    if (a.format == "ripgrep" || a.format == "text") {
      // One pattern per line, for `rg -f FILE`: Rust's regex syntax accepts the RE2 subset the
      // rules are written in.
      for (const auto& r : rules->rules) std::cout << r.pattern << '\n';
    } else if (a.format == "json") {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : rules->rules) arr.push_back(rule_json(r));
      std::cout << arr.dump(2) << '\n';
    } else {
      return fail(Error{ErrorCode::kConfig, "export formats: ripgrep, json", {}, {}});
    }
    return kExitClean;
  }
  // check
  auto report = check_rule_examples(*rules);
  if (!report) return fail(report.error());
  for (const auto& failure : report->failures) std::fprintf(stderr, "FAIL %s\n", failure.c_str());
  std::printf("%zu rules, %zu examples checked, %zu failures\n", rules->rules.size(),
              report->examples, report->failures.size());
  return report->failures.empty() ? kExitClean : kExitFindings;
}

}  // namespace keysweep::cli
