// Anthropic: GET /v1/models lists the models a key may use; listing is free and
// read-only. The answer names no account, so a live key has no identity.
// https://docs.anthropic.com/en/api/models-list
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.anthropic.com";

class AnthropicVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "anthropic"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "anthropic.api_key");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    return get_identity(ctx, kHost, "/v1/models?limit=1",
                        {{"x-api-key", f.secret}, {"anthropic-version", "2023-06-01"}}, "");
  }
};

}  // namespace

std::unique_ptr<Verifier> make_anthropic_verifier() {
  return std::make_unique<AnthropicVerifier>();
}

}  // namespace keysweep::verify
