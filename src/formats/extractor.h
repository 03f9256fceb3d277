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
  uint64_t* expanded_bytes;     // running total for the top-level input, checked against limits
  // Shared by every worker of the scan: an extractor that inflates a large buffer leases its
  // size first (see io/memory_budget.h). nullptr: no budget (tests, fuzz targets, tools).
  MemoryBudget* budget = nullptr;
};

using EmitBlob = std::function<void(Blob)>;

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
};

// Every format, in the order they are tried. Explicit list in registry.cc: no static registration.
const std::vector<std::unique_ptr<Extractor>>& extractor_registry();

}  // namespace keysweep
