#include "match/context_scan.h"

#include <algorithm>
#include <cstring>

#include "rules/validators.h"

namespace keysweep {

namespace {

uint64_t line_start_before(std::string_view data, uint64_t pos, uint64_t limit) {
  while (pos > limit && data[pos - 1] != '\n') --pos;
  return pos;
}

uint64_t line_end_after(std::string_view data, uint64_t pos, uint64_t limit) {
  const void* nl = std::memchr(data.data() + pos, '\n', limit - pos);
  return nl ? static_cast<uint64_t>(static_cast<const char*>(nl) - data.data()) : limit;
}

}  // namespace

void scan_context(std::string_view data, std::string_view path, std::vector<ContextHit>& hits,
                  const ContextRules& rules, const context::ScorerModel& model,
                  std::vector<RuleMatch>& out, bool table_columns) {
  if (!rules.any()) return;
  // A CSV's credential columns are read whole: its header names each row's value, with no
  // keyword beside it for the prefilter to hit.
  if (hits.empty() && !table_columns) return;
  // Each hit becomes the whole lines around it, cut to the reach; overlapping regions merge so a
  // line is read once however many keywords it holds.
  std::vector<std::pair<uint64_t, uint64_t>> regions;
  regions.reserve(hits.size());
  for (const ContextHit& h : hits) {
    uint64_t first = std::min<uint64_t>(h.first_end, data.size());
    uint64_t last = std::min<uint64_t>(h.last_end, data.size());
    uint64_t lo = line_start_before(data, first ? first - 1 : 0, first > kContextReachBack ? first - kContextReachBack : 0);
    const uint64_t reach = std::min<uint64_t>(data.size(), last + kContextReachAhead);
    uint64_t hi = line_end_after(data, last, reach);
    // A name whose value is on the lines after it (a YAML block scalar, an XML element's text on
    // a line of its own): the reader looks two lines further.
    const uint64_t line_lo = line_start_before(data, hi, lo);
    if (hi < reach && context::may_open_next_line_value(data.substr(line_lo, hi - line_lo)))
      for (int more = 0; more < 2 && hi < reach; ++more) hi = line_end_after(data, hi + 1, reach);
    regions.emplace_back(lo, hi);
  }
  std::sort(regions.begin(), regions.end());
  std::vector<std::pair<uint64_t, uint64_t>> merged;
  for (const auto& r : regions) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }

  const context::FileKind file = context::classify_path(path);
  std::vector<context::Assignment> found;
  context::FeatureVector features;
  // A resource table repeats each name in every locale: its words are read once.
  context::NameTraitsCache names;
  // Scores what the readers found in data[lo, ...) and keeps what is reportable.
  auto score_found = [&](uint64_t lo) {
    for (const context::Assignment& a : found) {
      context::NameClass cls = context::compute_features(a, names.get(a.name), file, features);
      int64_t rule = rules.by_class[static_cast<size_t>(cls)];
      if (rule < 0) continue;
      if (is_public_sample(a.value)) continue;
      // Most candidates are reported never (a resource table's translations); their trees stop
      // being summed once the threshold is out of reach.
      const std::optional<context::Score> s = context::score_if_reportable(model, features);
      if (!s) continue;
      RuleMatch m;
      m.rule_index = static_cast<uint32_t>(rule);
      m.secret_start = lo + a.value_offset;
      m.secret_end = m.secret_start + a.value.size();
      m.match_start = m.secret_start;
      m.match_end = m.secret_end;
      m.confidence = static_cast<int8_t>(*s->confidence);
      // The strongest contributions of features present in the candidate ("+the name says
      // password", not what is missing), packed so a match stays small; the finding builder
      // turns them into words.
      size_t k = 0;
      for (const auto& c : context::strongest_contributions(model, features, context::kFeatureCount))
        if (c.present && k < m.signals.size()) m.signals[k++] = context::encode_signal(c);
      out.push_back(m);
    }
  };
  for (const auto& [lo, hi] : merged) {
    found.clear();
    context::read_assignments(data.substr(lo, hi - lo), found, context::could_name_credential);
    score_found(lo);
  }
  if (table_columns) {
    // A value read here and by a region above is one match (the matcher keeps one per span).
    found.clear();
    context::read_table_columns(data, found, context::could_name_credential);
    score_found(0);
  }
}

}  // namespace keysweep
