// `keysweep rules check`: every rule's own examples through the real engine (Vectorscan + RE2 +
// validators), so a rule that cannot find its own positive example fails the build.
#pragma once

#include <string>
#include <vector>

#include "keysweep/error.h"
#include "rules/rule.h"

namespace keysweep {

struct RuleCheckReport {
  size_t examples = 0;
  std::vector<std::string> failures;  // "twilio.auth_token: positive example 2 not found: ..."
};

Result<RuleCheckReport> check_rule_examples(const RuleSet& rules);

}  // namespace keysweep
