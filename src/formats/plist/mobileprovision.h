// embedded.mobileprovision: a CMS (PKCS#7) SignedData message signed by Apple whose content is
// an XML plist naming the team, the app id and the developer certificates the app may be signed
// with.
#pragma once

#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep::plist {

struct ProvisioningProfile {
  std::string team_id;    // TeamIdentifier[0], e.g. "7Q3XK2M9PL"
  std::string team_name;
  std::string app_id_name;
  std::string expiration;  // ExpirationDate, ISO 8601
  // SHA-256 (hex) of DeveloperCertificates[0]: the developer's signing certificate. Not the CMS
  // signer's certificate, which is Apple's own and the same for every app.
  std::string developer_cert_sha256;
};

// The plist inside the SignedData, read with OpenSSL; when the CMS does not parse, the first
// "<?xml" ... "</plist>" in the bytes (sound because SignedData stores its content unencrypted
// and Apple writes it as one definite-length OCTET STRING, so the XML sits in the file as is).
Result<std::string> provisioning_profile_plist(std::string_view der);
Result<ProvisioningProfile> parse_provisioning_profile(std::string_view der);

}  // namespace keysweep::plist
