// GitLab: GET /api/v4/personal_access_tokens/self describes the token making the request (name,
// scopes, owner) and needs no scope. Only gitlab.com is asked: a token of a self-managed instance
// is unknown there, which the detail says.
// https://docs.gitlab.com/ee/api/personal_access_tokens.html#using-a-request-header
#include <nlohmann/json.hpp>

#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "gitlab.com";

class GitLabVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "gitlab"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && f.rule_id == "gitlab.personal_access_token";
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(kHost, "/api/v4/personal_access_tokens/self");
    req.headers = {{"PRIVATE-TOKEN", f.secret}, {"Accept", "application/json"}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      std::string name = json_field(r->body, "name");
      std::string user = json_field(r->body, "user_id");
      v.identity = "token '" + name + "' of user " + user;
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("scopes") && j["scopes"].is_array()) {
        std::string scopes;
        for (const auto& s : j["scopes"])
          if (s.is_string()) scopes += (scopes.empty() ? "" : ", ") + s.get<std::string>();
        v.detail = "scopes: " + scopes;
      }
    } else if (v.status == Verification::Status::kRevoked) {
      v.detail += " at gitlab.com (a self-managed instance's token is unknown there)";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_gitlab_verifier() { return std::make_unique<GitLabVerifier>(); }

}  // namespace keysweep::verify
