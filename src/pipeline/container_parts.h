// How a container file's top-level entries are read in parts by several workers
// (formats/extractor.h ContainerEntries) and the parts' results put back together so that they
// are what one worker reading the container whole would have found: the same findings in the same
// order, the same diagnostics in the same order, the same counts and the same app identity.
//
// Each part records rather than forwards: its diagnostics wait in a list until every part before
// it is done, then go out in entry order. What cannot be put back together exactly is the total
// expansion limit of one input (Limits::max_total_expanded): whether an entry is refused depends
// on what the entries before it expanded to, which a part cannot know. So each part gets a share
// of the limit (part_expansion_start), small enough that a part refused nothing only if one
// worker reading the whole container would have refused nothing either; should any part hit a
// limit, the parts' work is dropped and the container is read again whole, by one worker.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "core/scan_summary.h"
#include "formats/extractor.h"
#include "keysweep/finding.h"

namespace keysweep {

// Entries [first, last) of a container.
struct EntryRange {
  size_t first = 0, last = 0;
};

// Cuts a container's entries into consecutive ranges of about `part_bytes` of weight each (at most
// `max_parts` of them; the cut grows to keep to it). Entries stay in order, so the parts read one
// after the other read what one pass reads. One range when the whole weighs under two parts.
std::vector<EntryRange> plan_entry_parts(const ContainerEntries& entries, uint64_t part_bytes, size_t max_parts);

// A part's diagnostics, kept in the order they were reported. `entry_problem`: reported by the
// container's own reader about one of its entries (ContainerEntries::read), which counts against
// the container's cap on such reports.
class RecordedDiagnostics final : public DiagnosticSink {
 public:
  struct Item {
    Diagnostic diagnostic;
    bool entry_problem = false;
  };
  RecordedDiagnostics() = default;
  RecordedDiagnostics(const RecordedDiagnostics&) = delete;  // problems_ refers to items_
  RecordedDiagnostics& operator=(const RecordedDiagnostics&) = delete;
  void report(Diagnostic d) override { items_.push_back({std::move(d), false}); }
  // The sink for the container's reader: what arrives there is an entry problem.
  DiagnosticSink& entry_problems() { return problems_; }
  const std::vector<Item>& items() const { return items_; }
  bool any_of_kind(DiagnosticKind kind) const;
  // Sends the items to `to` in order, entry problems only while `*problem_reports_left` lasts.
  void replay(DiagnosticSink& to, size_t* problem_reports_left) const;

 private:
  class ProblemSink final : public DiagnosticSink {
   public:
    explicit ProblemSink(std::vector<Item>& items) : items_(items) {}
    void report(Diagnostic d) override { items_.push_back({std::move(d), true}); }

   private:
    std::vector<Item>& items_;
  };
  std::vector<Item> items_;
  ProblemSink problems_{items_};
};

// What reading one part (or opening the container) gave.
struct ContainerPart {
  EntryRange range;
  std::vector<Finding> findings;
  RecordedDiagnostics diagnostics;
  ScanSummary summary;  // blobs and bytes scanned
  std::shared_ptr<const AppIdentity> app;  // the first found in this part
  uint64_t expanded = 0;  // the part's expansion counter (starts at part_expansion_start)
  size_t entry_problems = 0;  // ContainerEntries::read's count
};

// The weight of the entries in `range` (what plan_entry_parts balances).
uint64_t range_weight(const ContainerEntries& entries, const EntryRange& range);

// The order to start the parts in: the heaviest first, so that the part that takes longest is not
// the one left for last (results are put together by index, whatever the order).
std::vector<size_t> heaviest_first(const ContainerEntries& entries, const std::vector<EntryRange>& ranges);

// Where each part's expansion counter starts: the limit less the part's share of what opening
// left of it, shares in proportion to the parts' weights. A part that expands past its share is
// refused as the limit refuses, and that refusal sends the container back to one worker.
std::vector<uint64_t> part_expansion_start(const ContainerEntries& entries, const std::vector<EntryRange>& ranges,
                                           uint64_t limit, uint64_t expanded_at_open);

}  // namespace keysweep
