// Hugging Face: GET /api/whoami-v2 names the user or organization a token belongs to.
// https://huggingface.co/docs/hub/api#get-apiwhoami-v2
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "huggingface.co";

class HuggingFaceVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "huggingface"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() &&
           (f.rule_id == "huggingface.access_token" || f.rule_id == "huggingface.org_api_token");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    return get_identity(ctx, kHost, "/api/whoami-v2", {{"Authorization", "Bearer " + f.secret}},
                        "name");
  }
};

}  // namespace

std::unique_ptr<Verifier> make_huggingface_verifier() {
  return std::make_unique<HuggingFaceVerifier>();
}

}  // namespace keysweep::verify
