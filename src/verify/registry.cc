#include "verify/registry.h"

namespace keysweep::verify {

std::vector<std::unique_ptr<Verifier>> builtin_verifiers() {
  std::vector<std::unique_ptr<Verifier>> v;
  v.push_back(make_twilio_verifier());
  v.push_back(make_aws_verifier());
  v.push_back(make_github_verifier());
  v.push_back(make_gitlab_verifier());
  v.push_back(make_slack_verifier());
  v.push_back(make_stripe_verifier());
  v.push_back(make_sendgrid_verifier());
  v.push_back(make_mailgun_verifier());
  v.push_back(make_openai_verifier());
  v.push_back(make_google_verifier());
  v.push_back(make_anthropic_verifier());
  v.push_back(make_huggingface_verifier());
  v.push_back(make_npm_verifier());
  v.push_back(make_digitalocean_verifier());
  for (auto& w : make_whoami_verifiers()) v.push_back(std::move(w));
  return v;
}

}  // namespace keysweep::verify
