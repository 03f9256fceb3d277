#include "cli/options.h"

#include <cstdio>

#include "cli/commands.h"

namespace keysweep::cli {

Result<RuleSet> load_rules(const std::vector<std::string>& extra_paths) {
  auto set = load_builtin_rules();
  if (!set) return set;
  for (const auto& p : extra_paths) {
    auto r = load_rules_from_path(*set, p);
    if (!r) return std::unexpected(r.error());
  }
  auto lint = lint_rules(*set);
  if (!lint) return std::unexpected(lint.error());
  return set;
}

int fail(const Error& e) {
  std::fprintf(stderr, "keysweep: error: %s\n", e.to_string().c_str());
  return kExitError;
}

}  // namespace keysweep::cli
