#include "core/app_restricted_key.h"

#include <algorithm>

namespace keysweep {

namespace {

// Where the SDKs read their key. The manifest names are the Maps SDK's (v2 is the old one, still
// honoured); the resources are the Maps project template's (google_maps_key) and those the
// google-services Gradle plugin generates from google-services.json; GoogleService-Info.plist is
// Firebase's iOS configuration. A resource of that name written by hand is taken at its word.
constexpr std::string_view kSdkSymbols[] = {
    "com.google.android.geo.API_KEY",
    "com.google.android.maps.v2.API_KEY",
    "@string/google_maps_key",
    "@string/google_api_key",
    "@string/google_crash_reporting_api_key",
    "GoogleService-Info.plist:API_KEY",
};

// The same places in a source tree, where no parser names the symbol: the quoted name on the
// secret's line (a manifest whose meta-data spreads name and value over two lines is not seen).
constexpr std::string_view kSdkNamesInSource[] = {
    "\"com.google.android.geo.API_KEY\"",
    "\"com.google.android.maps.v2.API_KEY\"",
    "name=\"google_maps_key\"",
    "name=\"google_api_key\"",
    "name=\"google_crash_reporting_api_key\"",
};

constexpr std::string_view kApplicationRestrictionReasons[] = {
    "API_KEY_ANDROID_APP_BLOCKED",
    "API_KEY_IOS_APP_BLOCKED",
    "API_KEY_HTTP_REFERRER_BLOCKED",
    "API_KEY_IP_ADDRESS_BLOCKED",
};

template <size_t N>
bool contains_any(std::string_view text, const std::string_view (&needles)[N]) {
  return std::any_of(std::begin(needles), std::end(needles),
                     [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

}  // namespace

bool declared_for_app_sdk(std::string_view symbol, std::string_view snippet) {
  if (std::find(std::begin(kSdkSymbols), std::end(kSdkSymbols), symbol) != std::end(kSdkSymbols))
    return true;
  return symbol.empty() && contains_any(snippet, kSdkNamesInSource);
}

bool verified_app_restricted(std::string_view verification_detail) {
  return contains_any(verification_detail, kApplicationRestrictionReasons);
}

KeyRestriction key_restriction(std::string_view rule_id, std::string_view symbol,
                               std::string_view snippet, std::string_view verification_detail) {
  if (rule_id != kGoogleApiKeyRule) return KeyRestriction::kNone;
  if (verified_app_restricted(verification_detail)) return KeyRestriction::kVerifiedRestricted;
  if (declared_for_app_sdk(symbol, snippet)) return KeyRestriction::kDeclaredForApp;
  return KeyRestriction::kNone;
}

std::string key_restriction_reason(KeyRestriction r) {
  switch (r) {
    case KeyRestriction::kDeclaredForApp:
      return "Google key declared for the app's Maps/Firebase SDK: check its restrictions in the "
             "Cloud console";
    case KeyRestriction::kVerifiedRestricted:
      return "Google key restricted to an app, site or IP: check the restrictions in the Cloud "
             "console";
    case KeyRestriction::kNone: break;
  }
  return {};
}

}  // namespace keysweep
