#include "formats/plist/mobileprovision.h"

#include <openssl/evp.h>
#include <openssl/pkcs7.h>

#include <climits>
#include <memory>

#include "core/secret.h"
#include "formats/plist/plist_document.h"

namespace keysweep::plist {

namespace {

struct Pkcs7Free {
  void operator()(PKCS7* p) const { PKCS7_free(p); }
};

Result<std::string> content_from_cms(std::string_view der) {
  if (der.size() > LONG_MAX) return make_error(ErrorCode::kLimit, "profile too large");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<PKCS7, Pkcs7Free> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!p7) return make_error(ErrorCode::kMalformed, "not a CMS (PKCS#7) message");
  if (!PKCS7_type_is_signed(p7.get()) || !p7->d.sign || !p7->d.sign->contents ||
      !PKCS7_type_is_data(p7->d.sign->contents) || !p7->d.sign->contents->d.data)
    return make_error(ErrorCode::kMalformed, "CMS message holds no signed data content");
  const ASN1_OCTET_STRING* data = p7->d.sign->contents->d.data;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

}  // namespace

Result<std::string> provisioning_profile_plist(std::string_view der) {
  if (auto content = content_from_cms(der)) return content;
  size_t start = der.find("<?xml");
  size_t end = start == std::string_view::npos ? start : der.find("</plist>", start);
  if (end == std::string_view::npos)
    return make_error(ErrorCode::kMalformed, "no property list inside the provisioning profile");
  return std::string(der.substr(start, end + 8 - start));
}

Result<ProvisioningProfile> parse_provisioning_profile(std::string_view der) {
  auto xml = provisioning_profile_plist(der);
  if (!xml) return std::unexpected(xml.error());
  auto leaves = plist_leaves(*xml);
  if (!leaves) return std::unexpected(leaves.error());
  ProvisioningProfile out;
  for (const PlistLeaf& l : *leaves) {
    if (l.path == "TeamIdentifier[0]") out.team_id = l.value;
    else if (l.path == "TeamName") out.team_name = l.value;
    else if (l.path == "AppIDName") out.app_id_name = l.value;
    else if (l.path == "ExpirationDate") out.expiration = l.value;
    else if (l.path == "DeveloperCertificates[0]" && l.kind == PlistLeaf::Kind::kData)
      out.developer_cert_sha256 = sha256_hex(l.value);
  }
  return out;
}

}  // namespace keysweep::plist
