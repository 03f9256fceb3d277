// The order every scan output lists findings in: most severe first (core/risk.h, the same model
// as `keysweep report`), so the credential to rotate today is at the top of a long scan. Ties go
// by path, line and column, then position and rule, so two runs over the same files print the
// same bytes whatever the thread timing.
#pragma once

#include <functional>
#include <vector>

#include "core/risk.h"
#include "keysweep/finding.h"
#include "rules/rule.h"

namespace keysweep {

// A finding's severity and why, from the rule `rule_of` gives it (a pair: its secret part's).
RiskAssessment finding_risk(const Finding& f, const Rule* rule);

void sort_by_risk(std::vector<Finding>& findings,
                  const std::function<const Rule*(const Finding&)>& rule_of);

}  // namespace keysweep
