// Slack: auth.test says whether a token works and for which workspace and user; it reads nothing
// else and posts nothing. Slack answers HTTP 200 with {"ok": false, "error": ...} for bad tokens.
// Webhook URLs are not checked: the only way to test one is to post to a channel.
// https://api.slack.com/methods/auth.test
#include <set>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "slack.com";

class SlackVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "slack"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "slack.bot_token" || f.rule_id == "slack.user_token" ||
                            f.rule_id == "slack.legacy_token");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.method = "POST";
    req.url = ctx.url(kHost, "/api/auth.test");
    req.headers = {{"Authorization", "Bearer " + f.secret},
                   {"Content-Type", "application/x-www-form-urlencoded"}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r || v.status != Verification::Status::kLive) return v;
    if (json_field(r->body, "ok") == "true") {
      v.identity = "team " + json_field(r->body, "team") + ", user " + json_field(r->body, "user");
      return v;
    }
    static const std::set<std::string, std::less<>> kDead = {
        "invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed"};
    std::string error = json_field(r->body, "error");
    v.status =
        kDead.contains(error) ? Verification::Status::kRevoked : Verification::Status::kUnknown;
    v.detail = error.empty() ? "unexpected answer" : "Slack: " + error;
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_slack_verifier() { return std::make_unique<SlackVerifier>(); }

}  // namespace keysweep::verify
