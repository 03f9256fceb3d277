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
  // The literals rendered are UTF-16 in the file, so the raw bytes never repeat them; what the raw
  // scan adds is the UTF-8 in the image: embedded resources (a MAUI app's appsettings.json) and
  // custom attribute arguments.
  bool scan_raw_too() const override { return true; }
};

// An assembly store (v1, or the v2/v3 payload of libassemblies.<abi>.blob.so): each assembly becomes
// a child named after it ("Contoso.Sms.dll"; "assembly #N" in v1 stores, which hold no names),
// sniffed again as XALZ or PE.
class AssemblyStoreExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "assembly-store"; }
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
