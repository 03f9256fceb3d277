// Who made an Android package: package name and version from the binary manifest, and the SHA-256
// of the signing certificate from the APK Signature Scheme v3/v2 block or, for v1-only packages,
// from the PKCS#7 signature in META-INF/. Fleet reports use the certificate to tell publishers
// apart: the same credential under two certificates means an SDK or agency shipped it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "formats/extractor.h"
#include "formats/zip/zip_extractor.h"
#include "keysweep/finding.h"

namespace keysweep {

// The first signer's first certificate (DER) in the v3 block if present, else the v2 block. An
// error when the archive has no signing block (a v1-only or unsigned APK).
Result<std::string> apk_v2v3_certificate(std::string_view apk);
// The first certificate (DER) in a PKCS#7 SignedData blob (META-INF/CERT.RSA and the like).
Result<std::string> pkcs7_first_certificate(std::string_view pkcs7_der);

// Identity of an APK; missing parts stay empty. Problems go to `diagnostics`, never fail the scan.
AppIdentity read_apk_identity(const Blob& apk, const Limits& limits, DiagnosticSink& diagnostics);
// The same, handing the manifest's bytes to `manifest` when it was deflated and inflated whole,
// and the central directory (as read_central_directory gives it with limits.max_entries) to
// `directory` when there is one, so the archive's extraction need not read either again.
AppIdentity read_apk_identity(const Blob& apk, const Limits& limits, DiagnosticSink& diagnostics,
                              InflatedEntry* manifest,
                              std::optional<zip::CentralDirectory>* directory = nullptr);

// An APK is a zip with AndroidManifest.xml at its root. This extractor reads its identity, attaches
// it to the package, then lets the zip extractor emit the entries, which inherit the identity.
class ApkExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "apk"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
  Result<std::unique_ptr<ContainerEntries>> open_entries(const Blob& blob, ExtractContext& ctx,
                                                         const EmitBlob& emit) const override;
};

}  // namespace keysweep
