// The DEX extractor: renders a DEX file's strings as labelled text, each under the code that uses
// it (a method's const-string, a static field's initial value) so a finding names that symbol.
// One child Blob "strings": lines in class_def order (each class's static fields, then its methods),
// then every string of 8 bytes or more that nothing attributes, as "dex string #<index>".
#pragma once

#include "formats/extractor.h"

namespace keysweep {

class DexExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "dex"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
  // The rendered text lists every string of the string table, so the raw bytes add nothing.
  bool scan_raw_too() const override { return false; }
};

}  // namespace keysweep
