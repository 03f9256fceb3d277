// DigitalOcean: GET /v2/account reads the account a token belongs to; read-only.
// https://docs.digitalocean.com/reference/api/api-reference/#operation/account_get
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.digitalocean.com";

class DigitalOceanVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "digitalocean"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "digitalocean.personal_access_token" ||
                            f.rule_id == "digitalocean.oauth_token");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    return get_identity(ctx, kHost, "/v2/account", {{"Authorization", "Bearer " + f.secret}},
                        "account.email");
  }
};

}  // namespace

std::unique_ptr<Verifier> make_digitalocean_verifier() {
  return std::make_unique<DigitalOceanVerifier>();
}

}  // namespace keysweep::verify
