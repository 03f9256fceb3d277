// .NET assemblies in Android apps (Xamarin, .NET for Android, Unity's Mono backend): string
// literals and const string fields as labelled text; XALZ-compressed assemblies are decompressed
// and handed back to the pipeline as a child, which sniffs it again as an assembly.
#pragma once

#include "formats/extractor.h"

namespace keysweep {

class DotnetAssemblyExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "dotnet"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

class XalzExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "xalz"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

}  // namespace keysweep
