// Twilio: fetch the Account resource (GET /2010-04-01/Accounts/{AccountSid}.json), which any valid
// Account SID + Auth Token, or API Key SID + secret of that account, may read. Read-only, free.
// https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource
#include <algorithm>
#include <cctype>

#include "core/percent_encode.h"
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.twilio.com";

// An API key authenticates against its account's URL, so it needs an Account SID found in the same
// input (preferred) or anywhere in the run.
std::optional<std::string> account_sid_near(const Finding& f, const std::vector<Finding>& scope) {
  const std::string& top = f.location.chain.empty() ? std::string() : f.location.chain.front();
  std::optional<std::string> any;
  auto consider = [&](const Finding& c) -> bool {
    if (c.rule_id != "twilio.account_sid") return false;
    if (!c.location.chain.empty() && c.location.chain.front() == top) return true;
    if (!any) any = c.secret;
    return false;
  };
  for (const auto& c : scope) {
    if (consider(c)) return c.secret;
    for (const auto& p : c.parts)
      if (consider(p)) return p.secret;
  }
  return any;
}

bool is_account_sid(std::string_view sid) {
  return sid.size() == 34 && sid.starts_with("AC") &&
         std::all_of(sid.begin() + 2, sid.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

class TwilioVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "twilio"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return f.is_pair() && (f.rule_id == "twilio.account" || f.rule_id == "twilio.api_key");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    auto user = part_secret(f, "id");
    auto password = part_secret(f, "secret");
    std::optional<std::string> account =
        f.rule_id == "twilio.account" ? user : account_sid_near(f, ctx.scope());
    if (!user || !password || !account) {
      Verification v;
      v.status = Verification::Status::kUnknown;
      v.endpoint = kHost;
      v.detail = "an API key is checked on its account's URL, and no Account SID was found";
      return v;
    }
    // The Account SID goes into the URL's path: only a value of its documented shape (AC + 32 hex)
    // is used, and percent-encoded all the same, so no captured '/', '..', '?' or '#' can move
    // the request elsewhere on the host.
    if (!is_account_sid(*account)) {
      Verification v;
      v.status = Verification::Status::kUnknown;
      v.endpoint = kHost;
      v.detail = "not checked: the Account SID is not AC followed by 32 hex digits";
      return v;
    }
    HttpRequest req;
    req.url = ctx.url(kHost, "/2010-04-01/Accounts/" + percent_encode(*account, false) + ".json");
    req.headers = {{"Authorization", basic_auth(*user, *password)}, {"Accept", "application/json"}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (v.status == Verification::Status::kLive) {
      v.identity = json_field(r->body, "friendly_name");
      std::string status = json_field(r->body, "status");
      if (!status.empty()) v.detail = "account status: " + status;
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_twilio_verifier() { return std::make_unique<TwilioVerifier>(); }

}  // namespace keysweep::verify
