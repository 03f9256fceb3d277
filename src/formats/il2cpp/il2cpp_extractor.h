// Unity IL2CPP global-metadata.dat: each C# string literal becomes one line labelled
// "il2cpp literal #N"; the field and parameter default values (where `const string` values live)
// become a second child labelled as such.
#pragma once

#include "formats/extractor.h"

namespace keysweep {

class Il2CppMetadataExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "il2cpp"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

}  // namespace keysweep
