// Shared helpers of the subcommands.
#pragma once

#include <string>
#include <vector>

#include "keysweep/error.h"
#include "rules/rule.h"

namespace keysweep::cli {

// "512MiB", "10M", "1G", "4096" -> bytes.
Result<uint64_t> parse_size(const std::string& text);
// The built-in rules plus every --rules path.
Result<RuleSet> load_rules(const std::vector<std::string>& extra_paths);
// Prints "keysweep: error: ..." and returns the error exit code.
int fail(const Error& e);

}  // namespace keysweep::cli
