#include "pipeline/container_parts.h"

#include <algorithm>

namespace keysweep {

namespace {

// What an entry costs beyond its bytes (a child Blob, sniffing, a scan call): lets a range of many
// small entries count for something.
constexpr uint64_t kEntryOverhead = 512;

uint64_t entry_weight(const ContainerEntries& entries, size_t i) {
  uint64_t w = entries.weight(i);
  return w ? w + kEntryOverhead : 0;
}

}  // namespace

std::vector<EntryRange> plan_entry_parts(const ContainerEntries& entries, uint64_t part_bytes, size_t max_parts) {
  const size_t n = entries.size();
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += entry_weight(entries, i);
  part_bytes = std::max<uint64_t>(part_bytes, 1);
  max_parts = std::max<size_t>(max_parts, 1);
  if (total < 2 * part_bytes || max_parts == 1) return {{0, n}};
  // Fewer, larger parts when the container is large: each part is a task, and the first cut of a
  // long list of small entries would otherwise make max_parts tiny ones and one huge one.
  part_bytes = std::max<uint64_t>(part_bytes, (total + max_parts - 1) / max_parts);
  std::vector<EntryRange> ranges;
  size_t first = 0;
  uint64_t held = 0;
  for (size_t i = 0; i < n; ++i) {
    held += entry_weight(entries, i);
    if (held >= part_bytes && ranges.size() + 1 < max_parts) {
      ranges.push_back({first, i + 1});
      first = i + 1;
      held = 0;
    }
  }
  if (first < n || ranges.empty()) ranges.push_back({first, n});
  return ranges;
}

uint64_t range_weight(const ContainerEntries& entries, const EntryRange& range) {
  uint64_t w = 0;
  for (size_t i = range.first; i < range.last; ++i) w += entry_weight(entries, i);
  return w;
}

std::vector<size_t> heaviest_first(const ContainerEntries& entries, const std::vector<EntryRange>& ranges) {
  std::vector<uint64_t> weights;
  for (const EntryRange& r : ranges) weights.push_back(range_weight(entries, r));
  std::vector<size_t> order(ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return weights[a] > weights[b]; });
  return order;
}

bool RecordedDiagnostics::any_of_kind(DiagnosticKind kind) const {
  return std::any_of(items_.begin(), items_.end(), [&](const Item& i) { return i.diagnostic.kind == kind; });
}

void RecordedDiagnostics::replay(DiagnosticSink& to, size_t* problem_reports_left) const {
  for (const Item& i : items_) {
    if (i.entry_problem) {
      if (*problem_reports_left == 0) continue;
      --*problem_reports_left;
    }
    to.report(i.diagnostic);
  }
}

std::vector<uint64_t> part_expansion_start(const ContainerEntries& entries, const std::vector<EntryRange>& ranges,
                                           uint64_t limit, uint64_t expanded_at_open) {
  const uint64_t left = limit > expanded_at_open ? limit - expanded_at_open : 0;
  std::vector<uint64_t> weights;
  unsigned __int128 total = 0;
  for (const EntryRange& r : ranges) {
    uint64_t w = 1 + range_weight(entries, r);  // a part of entries passed over still gets a share
    weights.push_back(w);
    total += w;
  }
  std::vector<uint64_t> start;
  for (uint64_t w : weights) {
    // The shares add up to at most `left` (rounded down), so the parts together never pass it.
    auto share = static_cast<uint64_t>(static_cast<unsigned __int128>(left) * w / total);
    start.push_back(limit - share);
  }
  return start;
}

}  // namespace keysweep
