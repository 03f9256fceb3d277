#include "report/risk_order.h"

#include <algorithm>
#include <tuple>

namespace keysweep {

RiskAssessment finding_risk(const Finding& f, const Rule* rule) {
  return assess_finding_risk(f, rule ? rule->grants : kDefaultGrants);
}

void sort_by_risk(std::vector<Finding>& findings,
                  const std::function<const Rule*(const Finding&)>& rule_of) {
  // Severity once per finding, not once per comparison.
  std::vector<std::pair<Risk, size_t>> keys;
  keys.reserve(findings.size());
  for (size_t i = 0; i < findings.size(); ++i)
    keys.emplace_back(finding_risk(findings[i], rule_of(findings[i])).severity, i);
  auto key = [&](const std::pair<Risk, size_t>& k) {
    const Finding& f = findings[k.second];
    return std::make_tuple(-static_cast<int>(k.first), std::cref(f.location.chain), f.location.line,
                           f.location.column, f.location.offset, std::cref(f.rule_id));
  };
  // Stable: what is still tied (the same place in several git commits) keeps the scan's order.
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  std::vector<Finding> sorted;
  sorted.reserve(findings.size());
  for (const auto& k : keys) sorted.push_back(std::move(findings[k.second]));
  findings = std::move(sorted);
}

}  // namespace keysweep
