// npm: GET /-/whoami on the public registry names the user an access token logs in as.
// https://docs.npmjs.com/cli/v10/commands/npm-whoami (the registry endpoint that command calls)
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "registry.npmjs.org";

class NpmVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "npm"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "npm.access_token");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    return get_identity(ctx, kHost, "/-/whoami", {{"Authorization", "Bearer " + f.secret}},
                        "username");
  }
};

}  // namespace

std::unique_ptr<Verifier> make_npm_verifier() { return std::make_unique<NpmVerifier>(); }

}  // namespace keysweep::verify
