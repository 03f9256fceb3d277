// Joins the parts of multi-part credentials (Twilio Account SID + Auth Token, AWS key id + secret
// key, ...) found in one scope: one top-level input, i.e. one file, or one app package across its
// DEX, resources and assets. A pair is a stronger finding than either half.
#pragma once

#include <string>
#include <vector>

#include "keysweep/finding.h"
#include "rules/rule.h"

namespace keysweep {

struct PairingStats {
  uint64_t pairs = 0;
  bool bound_hit = false;  // more pairs than kMaxPairsPerScope: the rest stayed single findings
};

inline constexpr size_t kMaxPairsPerScope = 1000;

// `findings` all come from one scope. Parts that join a pair move into the pair's `parts`; the
// halves left alone stay, one confidence step lower. Each part of role "secret" (the anchor) takes,
// for every other role, the nearest candidate: same blob by byte distance first, then the same
// app. Work is O(n log n) in the number of candidates, never combinatorial.
PairingStats pair_findings(std::vector<Finding>& findings, const RuleSet& rules);

}  // namespace keysweep
