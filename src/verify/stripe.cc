// Stripe: GET /v1/account reads the account the key belongs to. A restricted key without the
// permission to read it gets 403, which still proves the key works (an unknown key gets 401).
// https://docs.stripe.com/api/accounts/retrieve  https://docs.stripe.com/error-codes
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.stripe.com";

class StripeVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "stripe"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "stripe.secret_key" ||
                            f.rule_id == "stripe.restricted_key" || f.rule_id == "stripe.test_key");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(kHost, "/v1/account");
    req.headers = {{"Authorization", basic_auth(f.secret, "")}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      v.identity = json_field(r->body, "settings.dashboard.display_name");
      if (v.identity.empty()) v.identity = json_field(r->body, "business_profile.name");
      if (v.identity.empty()) v.identity = json_field(r->body, "id");
    } else if (r->status == 403) {
      v.status = Verification::Status::kLive;
      v.detail = "restricted key: works, but may not read the account";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_stripe_verifier() { return std::make_unique<StripeVerifier>(); }

}  // namespace keysweep::verify
