// What every libFuzzer target under src/formats shares: the input as bytes, limits, a sink that
// drops diagnostics, and an extraction that reads every child's bytes and segment labels, so that
// a child pointing outside its parent or a dangling label shows up under ASan. A target is then
// the format's own entry points and one `run` per extractor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "formats/extractor.h"
#include "io/limits.h"

namespace keysweep::fuzz {

inline std::string_view as_bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Renders each diagnostic (its text is built from hostile bytes too) and drops it.
class NullSink final : public DiagnosticSink {
 public:
  void report(Diagnostic d) override { (void)d.to_string(); }
};

// One input's extraction state. `limits` may be changed before the first `run`.
class Harness {
 public:
  Harness() = default;
  explicit Harness(const Limits& start) : limits(start) {}
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Reads a child's bytes and labels; the sum keeps the reads from being optimized away.
  void touch(const Blob& child) {
    std::string_view bytes = child.bytes();
    if (!bytes.empty()) total += static_cast<uint8_t>(bytes.front()) + static_cast<uint8_t>(bytes.back());
    for (const auto& s : child.segments()) total += s.label.size();
  }

  // Extracts `blob` with `ex` when `ex` sniffs it, touching every child.
  void run(const Extractor& ex, const Blob& blob) {
    run(ex, blob, [this](Blob child) { touch(child); });
  }

  // The same, handing each child to `emit` (to touch it and extract it further).
  void run(const Extractor& ex, const Blob& blob, const EmitBlob& emit) {
    if (ex.sniff(blob)) (void)ex.extract(blob, ctx, emit);
  }

  Limits limits;
  NullSink sink;
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  uint64_t total = 0;
};

// A target with one extractor and nothing else: the input, named `path`, through `ex`.
inline int run_extractor(const Extractor& ex, const uint8_t* data, size_t size, std::string_view path,
                         const Limits& limits = {}) {
  Harness h(limits);
  h.run(ex, Blob(as_bytes(data, size), nullptr, {std::string(path)}));
  return 0;
}

}  // namespace keysweep::fuzz
