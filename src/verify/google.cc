// Google API keys: listing the Generative Language API's models (GET /v1beta/models) is free and
// read-only. Google checks the key before anything else, so the answer tells a valid key from an
// invalid one even when that API is not enabled for the key's project or the key is restricted to
// an app: 400 API_KEY_INVALID is a dead key; 403 SERVICE_DISABLED or *_BLOCKED is a working key
// whose use is limited. The key goes in the X-Goog-Api-Key header, never in the URL.
// https://ai.google.dev/api/models#method:-models.list
// https://cloud.google.com/docs/authentication/api-keys-use#using-with-rest
#include <nlohmann/json.hpp>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "generativelanguage.googleapis.com";

struct GoogleError {
  std::string reason;    // "API_KEY_INVALID", "SERVICE_DISABLED", ...
  std::string consumer;  // "projects/123456789"
};

GoogleError google_error(const std::string& body) {
  GoogleError e;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object())
    return e;
  const auto& err = j["error"];
  if (!err.contains("details") || !err["details"].is_array()) return e;
  for (const auto& d : err["details"]) {
    if (!d.is_object()) continue;
    if (d.contains("reason") && d["reason"].is_string()) e.reason = d["reason"].get<std::string>();
    if (d.contains("metadata") && d["metadata"].is_object() && d["metadata"].contains("consumer") &&
        d["metadata"]["consumer"].is_string())
      e.consumer = d["metadata"]["consumer"].get<std::string>();
    if (!e.reason.empty()) break;
  }
  return e;
}

class GoogleApiKeyVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "google"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && f.rule_id == "google.api_key";
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(kHost, "/v1beta/models?pageSize=1");
    req.headers = {{"X-Goog-Api-Key", f.secret}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r || v.status == Verification::Status::kLive) return v;
    GoogleError e = google_error(r->body);
    if (e.reason == "API_KEY_INVALID") {
      v.status = Verification::Status::kRevoked;
      v.detail = "API key not valid (API_KEY_INVALID)";
    } else if (r->status == 403 &&
               (e.reason == "SERVICE_DISABLED" || e.reason.ends_with("_BLOCKED"))) {
      v.status = Verification::Status::kLive;
      v.detail = "valid key, restricted or API not enabled (" + e.reason + ")";
      if (e.consumer.starts_with("projects/")) v.identity = "project " + e.consumer.substr(9);
    } else if (!e.reason.empty()) {
      v.detail += " (" + e.reason + ")";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_google_verifier() {
  return std::make_unique<GoogleApiKeyVerifier>();
}

}  // namespace keysweep::verify
