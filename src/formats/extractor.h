// The extractor seam: a format turns one Blob into child Blobs (a zip's entries, a DEX's strings
// rendered as labelled text). Chosen by content (magic bytes), applied recursively by the pipeline
// under Limits. A format never knows about the matcher.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "io/limits.h"
#include "io/memory_budget.h"
#include "keysweep/error.h"

namespace keysweep {

struct ExtractContext {
  const Limits& limits;
  DiagnosticSink& diagnostics;  // for non-fatal problems (one bad entry among many good ones)
  // Running total for the top-level input, checked against limits. An extractor that refuses or
  // cuts anything because of it says so with a kLimit diagnostic or error: a container read in
  // parts relies on that to know when to read it whole instead (pipeline/container_parts.h).
  uint64_t* expanded_bytes;
  // Shared by every worker of the scan: an extractor that inflates a large buffer leases its
  // size first (see io/memory_budget.h). nullptr: no budget (tests, fuzz targets, tools).
  MemoryBudget* budget = nullptr;
};

using EmitBlob = std::function<void(Blob)>;

// A container opened so that its entries can be read in parts, on several workers at once
// (pipeline/container_parts.h): what Extractor::extract() does, cut between entries. Reading every
// entry in order, part after part, then finish(), gives what extract() gives, emit for emit and
// diagnostic for diagnostic, but for one thing: how many entry problems are reported one by one
// is capped per container, and only the caller, who sees the parts in order, can apply the cap.
class ContainerEntries {
 public:
  virtual ~ContainerEntries() = default;
  // Entries, in the order extract() reads them.
  virtual size_t size() const = 0;
  // About the bytes reading entry `i` hands on to be scanned (0: it is never read): what the
  // caller balances the parts by.
  virtual uint64_t weight(size_t i) const = 0;
  // Reads entries [first, last). Safe to call at the same time from several threads for ranges
  // that do not overlap, each with its own `ctx`. Everything reported to ctx.diagnostics here is
  // an entry problem, reported while the range's own count (starting from what open reported)
  // is within the cap; returns how many there were, reported or not.
  virtual size_t read(size_t first, size_t last, ExtractContext& ctx, const EmitBlob& emit) const = 0;
  // How many entry problems found by read() may still be reported one by one: the caller reports
  // the first this many of them, in entry order, and drops the rest.
  virtual size_t problem_reports_left() const = 0;
  // Once every entry has been read: what extract() reports at the end (how many problems were
  // not shown), given how many entry problems the read() calls returned in all.
  virtual void finish(ExtractContext& ctx, size_t read_problems) const = 0;
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual std::string_view name() const = 0;
  // True when `blob` is this format. Decide on content; `blob.chain().back()` (the name) may only
  // break ties between formats with the same magic (a zip that is an APK vs a JAR).
  virtual bool sniff(const Blob& blob) const = 0;
  // Emits children; returns an error when the input cannot be read at all. Errors for single
  // entries go to ctx.diagnostics and extraction goes on.
  virtual Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const = 0;
  // Whether the raw bytes should be scanned as well as the children. False for compressed
  // containers (the raw bytes are noise) and for formats whose children cover every string.
  virtual bool scan_raw_too() const { return false; }
  // Opens `blob` for its entries to be read in parts: does what extract() does before its first
  // entry (children it emits then come first), and leaves the entries to ContainerEntries. An
  // error where extract() would fail before any entry; nullptr when this format is read whole.
  virtual Result<std::unique_ptr<ContainerEntries>> open_entries(const Blob&, ExtractContext&,
                                                                 const EmitBlob&) const {
    return nullptr;
  }
};

// Every format, in the order they are tried. Explicit list in registry.cc: no static registration.
const std::vector<std::unique_ptr<Extractor>>& extractor_registry();

}  // namespace keysweep
