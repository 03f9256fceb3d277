// Test-only helpers the format tests share: read a fixture file, and run one extractor over one
// blob keeping everything it produced. Header-only so each test links nothing more.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "formats/extractor.h"
#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::format_test {

// The whole file, or "" when it cannot be read (the caller's assertions then say what is missing).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything one extract() call produced.
struct Extracted {
  Result<void> result;
  std::vector<Blob> children;
  std::vector<Diagnostic> diagnostics;
};

// Runs `ex` over `blob` (without sniffing: tests that care assert sniff() themselves).
inline Extracted extract(const Extractor& ex, const Blob& blob, const Limits& limits = {}) {
  CollectingDiagnostics sink;
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  Extracted out;
  out.result = ex.extract(blob, ctx, [&](Blob b) { out.children.push_back(std::move(b)); });
  out.diagnostics = sink.take();
  return out;
}

}  // namespace keysweep::format_test
