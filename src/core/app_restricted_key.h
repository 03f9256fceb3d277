// Google API keys ("AIza…") that an app must ship: the Maps SDK reads its key from the manifest,
// Firebase from google-services.json (compiled into @string/google_api_key) or
// GoogleService-Info.plist. Such a key is meant to be restricted in the Cloud console to the
// app's package and signing certificate (or bundle id), so finding it in the app is not a leak;
// what a vetter should check is that the restriction exists. keysweep cannot see server-side
// restrictions offline, so it decides from two kinds of evidence (docs/FLEET.md, "Risk order"):
//   - the place: the key sits where one of those SDKs reads it (below), and nowhere else;
//   - the provider's answer (`--verify`): Google refused the key for a call without the app's
//     identity because of an application restriction (API_KEY_ANDROID_APP_BLOCKED, …_IOS_APP_…,
//     …_HTTP_REFERRER_…, …_IP_ADDRESS_…; what the Maps web services word as "This IP, site or
//     mobile application is not authorized to use this API key").
// A key restricted only to some APIs (API_KEY_SERVICE_BLOCKED) still works from anywhere for those
// APIs, so that answer is not enough; nor is a key in code, a config file or an SDK's class.
#pragma once

#include <string>
#include <string_view>

#include "core/risk.h"

namespace keysweep {

inline constexpr std::string_view kGoogleApiKeyRule = "google.api_key";

enum class KeyRestriction {
  kNone,                // a leak like any other credential
  kDeclaredForApp,      // found only where the Maps or Firebase SDK reads its key
  kVerifiedRestricted,  // Google refused it for lack of the app (or site, or IP) it is bound to
};

// Whether a finding's place is where the Maps or Firebase SDK reads its key: the symbol (a
// manifest <meta-data> name, a resource, a plist key) or, for source trees, the line around it.
bool declared_for_app_sdk(std::string_view symbol, std::string_view snippet);

// Whether a verification detail carries one of Google's application-restriction reasons.
bool verified_app_restricted(std::string_view verification_detail);

// One finding's evidence: kNone unless the rule is google.api_key.
KeyRestriction key_restriction(std::string_view rule_id, std::string_view symbol,
                               std::string_view snippet, std::string_view verification_detail);

// The first reason of a restricted key's "why", saying what to check; "" for kNone.
std::string key_restriction_reason(KeyRestriction r);

// What a credential grants, given its rule's grants and the evidence: a restricted key is
// public-config (configuration to review), whatever its rule says.
inline Grants grants_with(Grants rule_grants, KeyRestriction r) {
  return r == KeyRestriction::kNone ? rule_grants : Grants::kPublicConfig;
}

}  // namespace keysweep
