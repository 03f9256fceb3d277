// SendGrid: GET /v3/scopes lists what the key may do; every key may read its own scopes.
// https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access
#include <nlohmann/json.hpp>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.sendgrid.com";

class SendGridVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "sendgrid"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && f.rule_id == "sendgrid.api_key";
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(kHost, "/v3/scopes");
    req.headers = {{"Authorization", "Bearer " + f.secret}, {"Accept", "application/json"}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (r && v.status == Verification::Status::kLive) {
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("scopes") && j["scopes"].is_array()) {
        size_t n = j["scopes"].size();
        bool can_send = false;
        for (const auto& s : j["scopes"]) can_send = can_send || s == "mail.send";
        v.detail = std::to_string(n) + " scopes" + (can_send ? ", including mail.send" : "");
      }
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_sendgrid_verifier() { return std::make_unique<SendGridVerifier>(); }

}  // namespace keysweep::verify
