// The matcher's side of context rules (Rule::context): Vectorscan found a credential keyword
// (password, token, Bearer, IDENTIFIED BY...); here the text around each hit is read for
// `name = value` assignments (context/assignment_reader.h), each is scored (context/scorer.h), and
// those the model reports become matches of the rule of their class.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "context/scorer.h"
#include "match/matcher.h"

namespace keysweep {

// How far from a keyword hit the reader looks: names come before values, so more ahead than
// behind. Bounded, so a minified file's single line is read only near its hits.
inline constexpr uint64_t kContextReachBack = 256;
inline constexpr uint64_t kContextReachAhead = 1536;

struct ContextHit {
  uint64_t first_end, last_end;  // a window of keyword matches
};

struct ContextRules {
  // Rule index per context::NameClass (kNone, kPassword, kSecret); -1: no such rule loaded.
  std::array<int64_t, 3> by_class{-1, -1, -1};
  bool any() const { return by_class[1] >= 0 || by_class[2] >= 0; }
};

// Appends the reported candidates of `hits` (in any order) to `out`. `path` is the blob's
// display path (test and documentation files weigh less). Reads at most a bounded window around
// each hit, so a 100 MB line costs what its hits cost. With `table_columns` (a CSV or TSV that
// starts at its header row: context::is_delimited_table) the credential columns are read whole
// as well, hit or no hit.
void scan_context(std::string_view data, std::string_view path, std::vector<ContextHit>& hits,
                  const ContextRules& rules, const context::ScorerModel& model,
                  std::vector<RuleMatch>& out, bool table_columns = false);

}  // namespace keysweep
