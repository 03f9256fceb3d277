// OpenAI: GET /v1/models lists the models a key may use; listing costs nothing. The organization
// the key belongs to comes back in the openai-organization response header.
// https://platform.openai.com/docs/api-reference/models/list
#include "verify/registry.h"

namespace keysweep::verify {

namespace {

constexpr const char* kHost = "api.openai.com";

class OpenAiVerifier final : public Verifier {
 public:
  std::string_view provider() const override { return "openai"; }
  std::vector<std::string> documented_hosts() const override { return {kHost}; }
  bool handles(const Finding& f) const override {
    return !f.is_pair() && (f.rule_id == "openai.project_key" || f.rule_id == "openai.api_key" ||
                            f.rule_id == "openai.service_account_key");
  }

  Verification verify(const Finding& f, const VerifyContext& ctx) const override {
    HttpRequest req;
    req.url = ctx.url(kHost, "/v1/models");
    req.headers = {{"Authorization", "Bearer " + f.secret}};
    auto r = ctx.send(req);
    Verification v = classify(r, req.url);
    if (!r) return v;
    if (v.status == Verification::Status::kLive) {
      if (auto it = r->headers.find("openai-organization"); it != r->headers.end())
        v.identity = it->second;
    } else if (r->status == 403) {
      // A working key gets 403 from an unsupported region or when its project may not list models.
      v.status = Verification::Status::kUnknown;
      v.detail = "HTTP 403 (region or project permissions)";
    }
    return v;
  }
};

}  // namespace

std::unique_ptr<Verifier> make_openai_verifier() { return std::make_unique<OpenAiVerifier>(); }

}  // namespace keysweep::verify
