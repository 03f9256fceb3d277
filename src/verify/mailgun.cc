// Mailgun: GET /v3/domains lists the account's sending domains, with HTTP basic auth "api:<key>".
// Accounts live in the US or the EU region, each with its own host: a key unknown in the US is
// asked in the EU before it counts as revoked.
// https://documentation.mailgun.com/docs/mailgun/api-reference/openapi-final/tag/Domains/
#include <nlohmann/json.hpp>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kUsHost = "api.mailgun.net";
constexpr const char* kEuHost = "api.eu.mailgun.net";

class MailgunVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "mailgun"; }
  std::vector<std::string> documented_hosts() const override { return {kUsHost, kEuHost}; }
  bool handles(const Finding& f) const override {
    return (!f.is_pair() && f.rule_id == "mailgun.api_key") ||
           (f.is_pair() && f.rule_id == "mailgun.account");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    auto key = part_secret(f, "secret");
    if (!key) key = f.secret;
    Verification v;
    for (const char* host : {kUsHost, kEuHost}) {
      HttpRequest req;
      req.url = ctx.url(host, "/v3/domains?limit=1");
      req.headers = {{"Authorization", basic_auth("api", *key)}};
      auto r = ctx.send(req);
      v = classify(r, req.url);
      if (!r || v.status != Verification::Status::kRevoked) {
        if (r && v.status == Verification::Status::kLive) {
          auto j = nlohmann::json::parse(r->body, nullptr, false);
          if (!j.is_discarded() && j.is_object()) {
            if (j.contains("items") && j["items"].is_array() && !j["items"].empty() &&
                j["items"][0].is_object() && j["items"][0].contains("name") &&
                j["items"][0]["name"].is_string())
              v.identity = j["items"][0]["name"].get<std::string>();
            if (j.contains("total_count") && j["total_count"].is_number_integer())
              v.detail = std::to_string(j["total_count"].get<int64_t>()) + " domains";
          }
        }
        return v;
      }
    }
    v.detail += " in both the US and the EU region";
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_mailgun_verifier() { return std::make_unique<MailgunVerifier>(); }

}  // namespace keysweep::verify
