#include "match/rule_check.h"

#include <algorithm>

#include "core/secret.h"
#include "match/matcher.h"

namespace keysweep {

Result<RuleCheckReport> check_rule_examples(const RuleSet& rules) {
  auto matcher = Matcher::compile(rules, PatternCheck::kAll);
  if (!matcher) return std::unexpected(matcher.error());
  auto scratch = (*matcher)->make_scratch();
  RuleCheckReport report;
  const auto& rs = (*matcher)->rules().rules;
  for (uint32_t i = 0; i < rs.size(); ++i) {
    const Rule& rule = rs[i];
    auto hits = [&](const std::string& example) -> Result<bool> {
      // A name with no extension, so the context scorer weighs the example as it would a line of
      // a file of unknown kind (not as code, configuration or documentation).
      Blob blob(example, nullptr, {"rule example"});
      std::vector<RuleMatch> matches;
      auto r = (*matcher)->scan(blob, *scratch, matches);
      if (!r) return std::unexpected(r.error());
      return std::any_of(matches.begin(), matches.end(),
                         [&](const RuleMatch& m) { return m.rule_index == i; });
    };
    for (size_t k = 0; k < rule.positive_examples.size(); ++k) {
      ++report.examples;
      auto hit = hits(rule.positive_examples[k]);
      if (!hit) return std::unexpected(hit.error());
      if (!*hit)
        report.failures.push_back(rule.id + ": positive example " + std::to_string(k + 1) +
                                  " not found: " + printable_utf8(rule.positive_examples[k]));
    }
    for (size_t k = 0; k < rule.negative_examples.size(); ++k) {
      ++report.examples;
      auto hit = hits(rule.negative_examples[k]);
      if (!hit) return std::unexpected(hit.error());
      if (*hit)
        report.failures.push_back(rule.id + ": negative example " + std::to_string(k + 1) +
                                  " reported: " + printable_utf8(rule.negative_examples[k]));
    }
  }
  return report;
}

}  // namespace keysweep
