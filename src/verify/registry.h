// Every verifier keysweep has, listed explicitly in registry.cc (no static self-registration).
#pragma once

#include <memory>
#include <vector>

#include "verify/verifier.h"

namespace keysweep::verify {

std::vector<std::unique_ptr<Verifier>> builtin_verifiers();

// Factories, one per provider file.
std::unique_ptr<Verifier> make_twilio_verifier();
std::unique_ptr<Verifier> make_aws_verifier();
std::unique_ptr<Verifier> make_github_verifier();
std::unique_ptr<Verifier> make_gitlab_verifier();
std::unique_ptr<Verifier> make_slack_verifier();
std::unique_ptr<Verifier> make_stripe_verifier();
std::unique_ptr<Verifier> make_sendgrid_verifier();
std::unique_ptr<Verifier> make_mailgun_verifier();
std::unique_ptr<Verifier> make_openai_verifier();
std::unique_ptr<Verifier> make_google_verifier();
std::unique_ptr<Verifier> make_anthropic_verifier();
std::unique_ptr<Verifier> make_huggingface_verifier();
std::unique_ptr<Verifier> make_npm_verifier();
std::unique_ptr<Verifier> make_digitalocean_verifier();
// Groq, OpenRouter, xAI, Buildkite: one bearer GET each (whoami_endpoints.cc).
std::vector<std::unique_ptr<Verifier>> make_whoami_verifiers();

}  // namespace keysweep::verify
