// The rule files compiled into the binary; generated at build time from rules/*.toml.
#pragma once

#include <string_view>
#include <vector>

namespace keysweep {

struct BuiltinRuleFile {
  std::string_view name;  // "rules/twilio.toml"
  std::string_view text;
};

const std::vector<BuiltinRuleFile>& builtin_rule_files();

}  // namespace keysweep
