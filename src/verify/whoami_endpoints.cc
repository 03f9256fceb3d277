// Providers whose check is one GET with the key as a bearer token, to an endpoint that costs
// nothing and answers 200 for a working key and 401 (or 403; xAI: 400 saying so) for a revoked one:
// a table, since each differs only in its host, path, rule and the JSON field that names the key's
// owner. The endpoints, documented at:
// - Groq: https://console.groq.com/docs/models
// - OpenRouter: https://openrouter.ai/docs/api-reference/api-keys/get-current-api-key
// - xAI: https://docs.x.ai/docs/api-reference#api-key
// - Buildkite: https://buildkite.com/docs/apis/rest-api/access-token
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

struct WhoamiEndpoint {
  std::string_view provider;
  std::string_view host;
  std::string_view path;
  std::string_view rule_id;
  std::string_view identity_field;  // "" when the answer names no owner
  // A provider that answers a wrong key with 400, not 401: the text its body then holds.
  std::string_view revoked_400_says = {};
};

constexpr WhoamiEndpoint kEndpoints[] = {
    {"groq", "api.groq.com", "/openai/v1/models", "groq.api_key", ""},
    {"openrouter", "openrouter.ai", "/api/v1/key", "openrouter.api_key", "data.label"},
    {"xai", "api.x.ai", "/v1/api-key", "xai.api_key", "name", "Incorrect API key"},
    {"buildkite", "api.buildkite.com", "/v2/access-token", "buildkite.api_token", "uuid"},
};

class WhoamiVerifier final : public Verifier {
 public:
  explicit WhoamiVerifier(const WhoamiEndpoint& e) : e_(e) {}
  std::string_view provider() const override { return e_.provider; }
  std::vector<std::string> documented_hosts() const override { return {std::string(e_.host)}; }
  bool handles(const Finding& f) const override { return !f.is_pair() && f.rule_id == e_.rule_id; }
  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(e_.host, e_.path);
    req.headers = {{"Authorization", "Bearer " + f.secret}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      v.identity = json_field(r->body, e_.identity_field);
    } else if (r->status == 400 && !e_.revoked_400_says.empty() &&
               r->body.find(e_.revoked_400_says) != std::string::npos) {
      v.status = Verification::Status::kRevoked;
      v.detail = "HTTP 400 (" + std::string(e_.revoked_400_says) + ")";
    }
    return v;
  }

 private:
  const WhoamiEndpoint& e_;
};

}  // namespace

std::vector<std::unique_ptr<Verifier>> make_whoami_verifiers() {
  std::vector<std::unique_ptr<Verifier>> v;
  for (const WhoamiEndpoint& e : kEndpoints) v.push_back(std::make_unique<WhoamiVerifier>(e));
  return v;
}

}  // namespace keysweep::verify
