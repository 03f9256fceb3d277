// iOS app formats: property lists (Info.plist, GoogleService-Info.plist, compiled .strings),
// text .strings files, and the IPA layer that names the app every finding inside it came from.
#pragma once

#include <memory>

#include "formats/extractor.h"
#include "keysweep/finding.h"

namespace keysweep {

// The last element of a chain without its folders: "Payload/Demo.app/Info.plist" -> "Info.plist".
std::string_view chain_file_name(const Blob& blob);

// XML and binary plists: every text leaf becomes a line `File.plist:Key.Path = "value"` labelled
// with that symbol, so the key path is both the finding's symbol and keyword context for rules.
class PlistExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "plist"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

// Text .strings files (UTF-16 or UTF-8): `"key" = "value";` pairs as `File.strings:key` lines.
// Chosen by name, since text has no magic; a .strings file that is a binary plist is the plist
// extractor's (registered first).
class StringsExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "strings"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

// An IPA: a zip with a Payload/<Name>.app/ folder. Reads the app's Info.plist and
// embedded.mobileprovision first, attaches the app's identity to the archive, then extracts it as
// a zip: every entry (frameworks, app extensions, nested bundles) inherits the identity, so every
// finding names the app. Registered before the zip extractor.
class IpaExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "ipa"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
  Result<std::unique_ptr<ContainerEntries>> open_entries(const Blob& blob, ExtractContext& ctx,
                                                         const EmitBlob& emit) const override;
};

// The identity of the app in an IPA's bytes: bundle id and version from the main app's
// Info.plist, team and developer certificate from its embedded.mobileprovision. Problems reading
// either go to `diagnostics`; the platform is "ios" whatever is missing.
AppIdentity read_ipa_identity(std::string_view ipa, const std::string& path, const Limits& limits,
                              DiagnosticSink& diagnostics);

}  // namespace keysweep
