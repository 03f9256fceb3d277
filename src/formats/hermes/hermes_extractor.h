// Hermes bytecode bundles (assets/index.android.bundle in React Native apps since RN 0.70): every
// string of the string table becomes one line `hermes_string__N = "…"`, labelled "hermes string #N".
// Plain-JS bundles are text and need no extractor.
#pragma once

#include "formats/extractor.h"

namespace keysweep {

class HermesExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "hermes"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

}  // namespace keysweep
