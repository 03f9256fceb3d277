#include "match/pairing.h"

#include <algorithm>
#include <map>

#include "core/secret.h"

namespace keysweep {

namespace {

constexpr std::string_view kAnchorRole = "secret";

Confidence one_step_lower(Confidence c) {
  return c == Confidence::kHigh ? Confidence::kMedium : Confidence::kLow;
}

size_t common_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// The candidates of one role, indexed for nearest-neighbour queries: per blob (provenance chain),
// offsets sorted. A query is a binary search in the anchor's own blob; only when that blob holds no
// candidate does it fall back to the blob sharing the longest container prefix (a sibling entry of
// the same app), so the work stays O(log n) per anchor plus the number of distinct blobs.
class CandidateIndex {
 public:
  CandidateIndex(const std::vector<Finding>& findings, const std::vector<size_t>& indices)
      : findings_(findings) {
    for (size_t i : indices) by_chain_[findings[i].location.chain].push_back(i);
    for (auto& [chain, v] : by_chain_)
      std::sort(v.begin(), v.end(), [&](size_t a, size_t b) {
        return findings[a].location.offset < findings[b].location.offset;
      });
  }

  size_t nearest(const Finding& anchor) const {
    auto it = by_chain_.find(anchor.location.chain);
    if (it == by_chain_.end()) {
      size_t best_prefix = 0;
      it = by_chain_.begin();
      for (auto c = by_chain_.begin(); c != by_chain_.end(); ++c) {
        size_t p = common_prefix(c->first, anchor.location.chain);
        if (p > best_prefix) {
          best_prefix = p;
          it = c;
        }
      }
      return it->second.front();
    }
    const auto& v = it->second;
    uint64_t off = anchor.location.offset;
    auto pos = std::lower_bound(v.begin(), v.end(), off, [&](size_t i, uint64_t o) {
      return findings_[i].location.offset < o;
    });
    if (pos == v.end()) return v.back();
    if (pos == v.begin()) return *pos;
    uint64_t after = findings_[*pos].location.offset - off;
    uint64_t before = off - findings_[*std::prev(pos)].location.offset;
    return before <= after ? *std::prev(pos) : *pos;
  }

 private:
  const std::vector<Finding>& findings_;
  std::map<std::vector<std::string>, std::vector<size_t>> by_chain_;
};

std::string pair_name_for(const std::vector<const Rule*>& rules) {
  std::string name;
  for (const Rule* r : rules) {
    if (!name.empty()) name += " + ";
    name += r->name;
  }
  return name;
}

}  // namespace

PairingStats pair_findings(std::vector<Finding>& findings, const RuleSet& rules) {
  PairingStats stats;
  // pair name -> role -> indices into findings
  std::map<std::string, std::map<std::string, std::vector<size_t>>> groups;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Rule* r = rules.find(findings[i].rule_id);
    if (!r || r->pair.empty()) continue;
    findings[i].pair_role = r->pair_role;
    groups[r->pair][r->pair_role].push_back(i);
  }

  std::vector<bool> used(findings.size(), false);
  std::vector<Finding> pairs;
  for (auto& [pair_name, roles] : groups) {
    auto anchor_it = roles.find(std::string(kAnchorRole));
    if (anchor_it == roles.end() || roles.size() < 2) continue;
    std::map<std::string, CandidateIndex> indexes;
    for (const auto& [role, candidates] : roles)
      if (role != kAnchorRole) indexes.emplace(role, CandidateIndex(findings, candidates));
    for (size_t anchor : anchor_it->second) {
      if (pairs.size() >= kMaxPairsPerScope) {
        stats.bound_hit = true;
        break;
      }
      std::vector<size_t> members{anchor};
      for (const auto& [role, index] : indexes) members.push_back(index.nearest(findings[anchor]));
      // Role order as the roles sort ("id" < "secret" < "token"): the id reads first.
      std::sort(members.begin(), members.end(), [&](size_t a, size_t b) {
        return findings[a].pair_role < findings[b].pair_role;
      });
      Finding p;
      std::vector<const Rule*> member_rules;
      std::string hashes;
      for (size_t m : members) {
        member_rules.push_back(rules.find(findings[m].rule_id));
        hashes += findings[m].secret_sha256;
        // A hash over a keyed part's hash is as unguessable as the part: the pair says it is keyed.
        p.secret_hash_keyed = p.secret_hash_keyed || findings[m].secret_hash_keyed;
        p.parts.push_back(findings[m]);
        used[m] = true;
      }
      const Finding& a = findings[anchor];
      p.rule_id = pair_name;
      p.rule_name = pair_name_for(member_rules);
      p.provider = a.provider;
      p.confidence = Confidence::kHigh;
      p.location = a.location;
      p.secret = a.secret;
      p.secret_sha256 = sha256_hex(hashes);
      p.redacted = a.redacted;
      p.snippet = a.snippet;
      p.snippet_clear = a.snippet_clear;
      p.app = a.app;
      p.fingerprint = finding_fingerprint(pair_name, p.secret_sha256, a.location.display_path(),
                                          a.location.symbol);
      pairs.push_back(std::move(p));
    }
  }
  stats.pairs = pairs.size();

  std::vector<Finding> out;
  out.reserve(findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    if (used[i]) continue;
    if (!findings[i].pair_role.empty())
      findings[i].confidence = one_step_lower(findings[i].confidence);
    out.push_back(std::move(findings[i]));
  }
  for (auto& p : pairs) out.push_back(std::move(p));
  findings = std::move(out);
  return stats;
}

}  // namespace keysweep
