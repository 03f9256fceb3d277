#include "formats/apk/apk_identity.h"

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>

#include "core/secret.h"
#include "formats/android_res/binary_xml.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"
#include "io/byte_reader.h"

namespace keysweep {

namespace {

constexpr std::string_view kSigningBlockMagic = "APK Sig Block 42";
constexpr uint32_t kV2BlockId = 0x7109871a;
constexpr uint32_t kV3BlockId = 0xf05368c0;
constexpr uint32_t kV31BlockId = 0x1b93ad61;

// The v2/v3 blocks nest "length-prefixed sequences": a uint32 byte length, then items that are
// each a uint32 length and that many bytes.
Result<std::string_view> length_prefixed(ByteReader& r) {
  auto len = r.u32le();
  if (!len) return std::unexpected(len.error());
  return r.bytes(*len);
}

Result<std::string> first_certificate_of_scheme_block(std::string_view block) {
  ByteReader r(block);
  auto signers = length_prefixed(r);
  if (!signers) return std::unexpected(signers.error());
  ByteReader sr(*signers);
  auto signer = length_prefixed(sr);
  if (!signer) return std::unexpected(signer.error());
  ByteReader one(*signer);
  auto signed_data = length_prefixed(one);
  if (!signed_data) return std::unexpected(signed_data.error());
  ByteReader sd(*signed_data);
  if (auto digests = length_prefixed(sd); !digests) return std::unexpected(digests.error());
  auto certs = length_prefixed(sd);
  if (!certs) return std::unexpected(certs.error());
  ByteReader cr(*certs);
  auto cert = length_prefixed(cr);
  if (!cert) return std::unexpected(cert.error());
  if (cert->empty()) return make_error(ErrorCode::kMalformed, "empty signing certificate");
  return std::string(*cert);
}

std::string certificate_sha256(std::string_view der) { return sha256_hex(der); }

// One ASN.1 BER/DER element with a definite length: what the element spans and its contents.
struct Tlv {
  uint8_t tag = 0;
  std::string_view whole, contents;
};

Result<Tlv> read_tlv(std::string_view in) {
  if (in.size() < 2) return make_error(ErrorCode::kMalformed, "ASN.1 element cut off");
  Tlv t;
  t.tag = static_cast<uint8_t>(in[0]);
  size_t header = 2;
  uint64_t len = static_cast<uint8_t>(in[1]);
  if (len == 0x80) return make_error(ErrorCode::kUnsupported, "indefinite ASN.1 length");
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n)
      return make_error(ErrorCode::kMalformed, "bad ASN.1 length");
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>(in[2 + i]);
    header += n;
  }
  if (len > in.size() - header) return make_error(ErrorCode::kMalformed, "ASN.1 element too long");
  t.whole = in.substr(0, header + len);
  t.contents = in.substr(header, len);
  return t;
}

// The first certificate of a PKCS#7 SignedData exactly as stored. Android keeps a v1 signer's
// certificate in its encoded form even when that is BER rather than DER (apksig's
// "cert-not-der" case), so re-encoding through OpenSSL would name a different certificate.
Result<std::string_view> pkcs7_first_certificate_as_stored(std::string_view der) {
  auto content_info = read_tlv(der);  // SEQUENCE { contentType OID, [0] EXPLICIT content }
  if (!content_info || content_info->tag != 0x30) return make_error(ErrorCode::kMalformed, "not PKCS#7");
  auto oid = read_tlv(content_info->contents);
  if (!oid || oid->tag != 0x06) return make_error(ErrorCode::kMalformed, "not PKCS#7");
  auto explicit0 = read_tlv(content_info->contents.substr(oid->whole.size()));
  if (!explicit0 || explicit0->tag != 0xA0) return make_error(ErrorCode::kMalformed, "no content");
  auto signed_data = read_tlv(explicit0->contents);  // SEQUENCE
  if (!signed_data || signed_data->tag != 0x30) return make_error(ErrorCode::kMalformed, "no SignedData");
  std::string_view rest = signed_data->contents;
  // version INTEGER, digestAlgorithms SET, encapContentInfo SEQUENCE, then [0] certificates.
  for (int i = 0; i < 3; ++i) {
    auto skip = read_tlv(rest);
    if (!skip) return std::unexpected(skip.error());
    rest.remove_prefix(skip->whole.size());
  }
  auto certs = read_tlv(rest);
  if (!certs || certs->tag != 0xA0) return make_error(ErrorCode::kMalformed, "no certificates");
  auto first = read_tlv(certs->contents);
  if (!first || first->tag != 0x30) return make_error(ErrorCode::kMalformed, "no certificate");
  return first->whole;
}

bool is_v1_signature_entry(std::string_view name) {
  if (!name.starts_with("META-INF/")) return false;
  for (std::string_view ext : {".RSA", ".DSA", ".EC"})
    if (name.ends_with(ext)) return true;
  return false;
}

}  // namespace

Result<std::string> apk_v2v3_certificate(std::string_view apk) {
  auto loc = zip::locate_central_directory(apk);
  if (!loc) return std::unexpected(loc.error());
  ByteReader r(apk);
  if (loc->cd_start < 24) return make_error(ErrorCode::kMalformed, "no APK signing block");
  auto magic = r.view_at(loc->cd_start - 16, 16);
  if (!magic || *magic != kSigningBlockMagic)
    return make_error(ErrorCode::kMalformed, "no APK signing block");
  auto size = r.le_at<uint64_t>(loc->cd_start - 24);
  if (!size || *size < 24 || *size > loc->cd_start - 8)
    return make_error(ErrorCode::kMalformed, "APK signing block size out of range", {},
                      loc->cd_start - 24);
  uint64_t start = loc->cd_start - *size - 8;
  auto head_size = r.le_at<uint64_t>(start);
  if (!head_size || *head_size != *size)
    return make_error(ErrorCode::kMalformed, "APK signing block sizes disagree", {}, start);
  // Pairs sit between the leading size and the trailing size + magic.
  ByteReader pairs(apk.substr(start + 8, *size - 24));
  std::string_view v2, v3;
  while (pairs.remaining() >= 12) {
    auto len = pairs.u64le();
    if (!len || *len < 4 || *len > pairs.remaining())
      return make_error(ErrorCode::kMalformed, "APK signing block pair out of range", {},
                        start + 8 + pairs.pos());
    auto id = pairs.u32le();
    auto value = pairs.bytes(*len - 4);
    if (!id || !value) break;
    if (*id == kV3BlockId || (*id == kV31BlockId && v3.empty())) v3 = *value;
    if (*id == kV2BlockId) v2 = *value;
  }
  if (!v3.empty()) {
    if (auto c = first_certificate_of_scheme_block(v3)) return c;
  }
  if (!v2.empty()) return first_certificate_of_scheme_block(v2);
  return make_error(ErrorCode::kMalformed, "APK signing block has no v2 or v3 signature");
}

Result<std::string> pkcs7_first_certificate(std::string_view der) {
  if (auto stored = pkcs7_first_certificate_as_stored(der)) return std::string(*stored);
  // Indefinite lengths and other BER forms the walker above does not follow: let OpenSSL parse
  // it, and hash its DER re-encoding.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> pkcs7(
      d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())), PKCS7_free);
  if (!pkcs7 || !PKCS7_type_is_signed(pkcs7.get()) || !pkcs7->d.sign ||
      !pkcs7->d.sign->cert || sk_X509_num(pkcs7->d.sign->cert) < 1)
    return make_error(ErrorCode::kMalformed, "not a PKCS#7 SignedData with a certificate");
  X509* cert = sk_X509_value(pkcs7->d.sign->cert, 0);
  unsigned char* out = nullptr;
  int len = i2d_X509(cert, &out);
  if (len <= 0) return make_error(ErrorCode::kMalformed, "cannot encode the certificate");
  std::string result(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return result;
}

AppIdentity read_apk_identity(const Blob& apk, const Limits& limits, DiagnosticSink& diagnostics) {
  return read_apk_identity(apk, limits, diagnostics, nullptr);
}

AppIdentity read_apk_identity(const Blob& apk, const Limits& limits, DiagnosticSink& diagnostics,
                              InflatedEntry* manifest_out,
                              std::optional<zip::CentralDirectory>* directory_out) {
  AppIdentity id;
  id.platform = "android";
  // No central directory means no manifest and no signing block (it sits just before the
  // directory) either: nothing to identify.
  auto loc = zip::locate_central_directory(apk.bytes());
  if (!loc) return id;
  zip::CentralDirectory cd = zip::read_central_directory(apk.bytes(), *loc, limits.max_entries);
  // The manifest and a v1 signature are a few kilobytes, read before the archive is extracted.
  auto read = [&](const zip::ZipEntry& e) {
    return zip::read_entry_data(apk.bytes(), e, limits.max_entry_size, limits.max_compression_ratio);
  };
  const std::string where = apk.display_path();
  auto manifest = std::ranges::find(cd.entries, "AndroidManifest.xml", &zip::ZipEntry::raw_name);
  if (manifest != cd.entries.end()) {
    zip::ZipEntry resolved = *manifest;
    auto bytes = read(resolved);
    if (bytes) {
      if (auto info = android_res::parse_manifest_identity(*bytes)) {
        id.package = info->package;
        id.version = info->version_name;
        if (id.version.empty() && info->version_code) id.version = std::to_string(*info->version_code);
      } else {
        diagnostics.warn(DiagnosticKind::kMalformed, where + "!AndroidManifest.xml",
                         "no package identity: " + info.error().message);
      }
      // read_entry_data gives a deflated entry only when it inflated to its declared size.
      if (manifest_out && resolved.method == zip::kMethodDeflated &&
          zip::resolve_local_header(apk.bytes(), resolved, nullptr)) {
        manifest_out->data_offset = resolved.data_offset;
        manifest_out->compressed_size = resolved.compressed_size;
        manifest_out->bytes = std::move(*bytes);
      }
    }
  }
  if (auto cert = apk_v2v3_certificate(apk.bytes())) {
    id.signer_sha256 = certificate_sha256(*cert);
  } else {
    // v1 only (or unsigned): the certificate in META-INF/*.RSA|DSA|EC.
    for (const auto& e : cd.entries) {
      if (!is_v1_signature_entry(e.raw_name)) continue;
      auto block = read(e);
      if (!block) continue;
      if (auto cert = pkcs7_first_certificate(*block)) {
        id.signer_sha256 = certificate_sha256(*cert);
        break;
      }
    }
  }
  if (directory_out) *directory_out = std::move(cd);
  return id;
}

bool ApkExtractor::sniff(const Blob& blob) const {
  if (!zip::starts_with_local_header(blob.bytes())) return false;
  auto loc = zip::locate_central_directory(blob.bytes());
  if (!loc) return false;
  // Only the directory's names are read: cheap, and decides APK vs. plain zip/JAR.
  return zip::any_central_name(blob.bytes(), *loc, 200'000,
                               [](std::string_view name) { return name == "AndroidManifest.xml"; });
}

namespace {

// What the identity read and the zip extractor takes instead of reading it again: the manifest's
// inflated bytes, if they can be handed on, and the central directory.
struct IdentityReads {
  InflatedEntry manifest;
  std::optional<zip::CentralDirectory> directory;
  InflatedEntry* inflated() { return manifest.bytes.empty() ? nullptr : &manifest; }
  zip::CentralDirectory* central_directory() { return directory ? &*directory : nullptr; }
};

// The package with its identity attached, which every entry inherits.
Blob with_apk_identity(const Blob& blob, ExtractContext& ctx, IdentityReads& reads) {
  Blob with_identity = blob;
  with_identity.set_app(std::make_shared<const AppIdentity>(
      read_apk_identity(blob, ctx.limits, ctx.diagnostics, &reads.manifest, &reads.directory)));
  return with_identity;
}

}  // namespace

Result<void> ApkExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                   const EmitBlob& emit) const {
  IdentityReads reads;
  Blob with_identity = with_apk_identity(blob, ctx, reads);
  return ZipExtractor::extract_with(with_identity, ctx, emit, reads.inflated(), reads.central_directory());
}

Result<std::unique_ptr<ContainerEntries>> ApkExtractor::open_entries(const Blob& blob, ExtractContext& ctx,
                                                                     const EmitBlob& emit) const {
  IdentityReads reads;
  Blob with_identity = with_apk_identity(blob, ctx, reads);
  return ZipExtractor::open_entries_with(with_identity, ctx, emit, reads.inflated(),
                                         reads.central_directory());
}

}  // namespace keysweep
