// GitHub: GET /user names the account a user token acts as; an app installation token (ghs_) has
// no user and reads GET /installation/repositories instead. Both read-only and free.
// https://docs.github.com/en/rest/users/users#get-the-authenticated-user
#include <set>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.github.com";

class GitHubVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "github"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    static const std::set<std::string, std::less<>> kRules = {"github.pat_classic",
                                                              "github.oauth_token",
                                                              "github.user_to_server_token",
                                                              "github.pat_fine_grained",
                                                              "github.server_to_server_token",
                                                              "github.legacy_token"};
    return !f.is_pair() && kRules.contains(f.rule_id);
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    const bool installation = f.rule_id == "github.server_to_server_token";
    HttpRequest req;
    req.url = ctx.url(kHost, installation ? "/installation/repositories?per_page=1" : "/user");
    req.headers = {{"Authorization", "Bearer " + f.secret},
                   {"Accept", "application/vnd.github+json"},
                   {"X-GitHub-Api-Version", "2022-11-28"}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      if (installation) {
        v.identity = "app installation";
        v.detail = json_field(r->body, "total_count") + " repositories";
      } else {
        v.identity = json_field(r->body, "login");
      }
      if (auto it = r->headers.find("x-oauth-scopes");
          it != r->headers.end() && !it->second.empty())
        v.detail = "scopes: " + it->second;
    } else if (r->status == 403) {
      // GitHub answers 403 to rate-limited and SSO-blocked requests of working tokens.
      v.status = Verification::Status::kUnknown;
      v.detail = "HTTP 403 (rate limited, or the token needs SSO authorization)";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_github_verifier() { return std::make_unique<GitHubVerifier>(); }

}  // namespace keysweep::verify
