// `scan --verify`: runs after the scan, when findings are already paired. Each finding whose rule
// (or pair) has a verifier is checked once per (provider, secret), one request at a time; the
// rest stay "not checked".
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "keysweep/error.h"
#include "keysweep/finding.h"
#include "verify/http_client.h"
#include "verify/verification_cache.h"
#include "verify/verifier.h"

namespace keysweep::verify {

struct VerifyOptions {
  // provider -> base URL, for tests against a local mock only ("twilio" ->
  // "http://127.0.0.1:8080").
  std::map<std::string, std::string> endpoint_overrides;
  HttpClientOptions client;
  // The whole verification phase, every request and retry included (--verify-timeout); 0: none.
  std::chrono::milliseconds total_time{0};
};

struct VerifyStats {
  uint64_t live = 0, revoked = 0, unknown = 0, not_checked = 0;
  uint64_t cache_hits = 0;
  uint64_t requests = 0;       // HTTP attempts, retries included
  std::string offline_reason;  // set when the run found no network
};

// Parses repeated "PROVIDER=URL" flags. The provider must have a verifier and the URL must be
// http(s) to a loopback address: an override exists to test against a local mock, never to send
// real secrets to another server.
Result<std::map<std::string, std::string>> parse_endpoint_overrides(
    const std::vector<std::string>& specs, const std::vector<std::unique_ptr<Verifier>>& verifiers);

// The forms in which a provider's reply could echo `secret`: as written, percent-encoded, and the
// base64 runs it leaves inside any base64 text (at each byte alignment, standard and URL-safe).
// Empty for secrets shorter than 4 characters.
std::vector<std::string> echo_forms(std::string_view secret);

class VerificationEngine {
 public:
  VerificationEngine(std::vector<std::unique_ptr<Verifier>> verifiers,
                     std::unique_ptr<HttpTransport> transport, VerifyOptions options);

  // Sets `verification` on every finding (pairs as a whole, not their parts).
  VerifyStats verify(std::vector<Finding>& findings);

  const Verifier* verifier_for(const Finding& f) const;

 private:
  std::vector<std::unique_ptr<Verifier>> verifiers_;
  HttpClient http_;
  VerifyOptions options_;
  VerificationCache cache_;
};

}  // namespace keysweep::verify
