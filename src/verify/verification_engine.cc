#include "verify/verification_engine.h"

#include "core/percent_encode.h"
#include "core/secret.h"
#include "verify/url.h"

namespace keysweep::verify {

std::vector<std::string> echo_forms(std::string_view secret) {
  std::vector<std::string> forms;
  if (secret.size() < 4) return forms;
  forms.emplace_back(secret);
  std::string percent = percent_encode(secret, /*keep_slash=*/false);
  if (percent != secret) forms.push_back(percent);
  // Inside base64 text (an echoed "Authorization: Basic base64(id:secret)", a JWT claim) the
  // secret's characters depend on its offset modulo 3. For each offset k, the base64 of k filler
  // bytes + the secret holds, from character ceil(8k/6) to floor(8(k+n)/6), characters made of
  // the secret's bits alone: that run appears in any base64 text that holds the secret there.
  for (size_t k = 0; k < 3; ++k) {
    std::string padded(k, '\0');
    padded += secret;
    for (bool url_safe : {false, true}) {
      std::string b = base64_encode(padded, url_safe);
      size_t from = (8 * k + 5) / 6, to = 8 * padded.size() / 6;
      if (to > from && to - from >= 8) forms.push_back(b.substr(from, to - from));
    }
  }
  return forms;
}

namespace {

// Belt and braces: whatever a provider echoed back, no secret of the finding leaves in clear. An
// echo as written is replaced by the redacted form; an echo in any encoding withholds the text.
void scrub(std::string& text, const Finding& f) {
  auto hide = [&](const std::string& secret, const std::string& redacted) {
    if (secret.size() < 4 || text.empty()) return;
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + redacted.size()))
      text.replace(pos, secret.size(), redacted);
    for (const std::string& form : echo_forms(secret))
      if (text.find(form) != std::string::npos) {
        text = "(withheld: the provider's reply echoed the credential)";
        return;
      }
  };
  hide(f.secret, f.redacted.empty() ? "…" : f.redacted);
  for (const auto& p : f.parts) hide(p.secret, p.redacted.empty() ? "…" : p.redacted);
}

}  // namespace

Result<std::map<std::string, std::string>> parse_endpoint_overrides(
    const std::vector<std::string>& specs,
    const std::vector<std::unique_ptr<Verifier>>& verifiers) {
  std::map<std::string, std::string> out;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos)
      return make_error(ErrorCode::kConfig,
                        "--verify-endpoint-override wants PROVIDER=URL, got '" + spec + "'");
    std::string provider = spec.substr(0, eq);
    std::string url = spec.substr(eq + 1);
    bool known = false;
    std::string names;
    for (const auto& v : verifiers) {
      known = known || v->provider() == provider;
      names += (names.empty() ? "" : ", ") + std::string(v->provider());
    }
    if (!known)
      return make_error(ErrorCode::kConfig, "--verify-endpoint-override: no verifier for '" +
                                                provider + "' (known: " + names + ")");
    auto u = parse_url(url);
    if (!u || u->has_userinfo || !is_loopback_host(u->host))
      return make_error(ErrorCode::kConfig,
                        "--verify-endpoint-override: '" + redact_url(url) +
                            "' is not an http(s) URL of a loopback address (127.0.0.1, ::1, "
                            "localhost); overrides exist only to test against a local server");
    out[provider] = url;
  }
  return out;
}

VerificationEngine::VerificationEngine(std::vector<std::unique_ptr<Verifier>> verifiers,
                                       std::unique_ptr<HttpTransport> transport,
                                       VerifyOptions options)
    : verifiers_(std::move(verifiers)),
      http_(std::move(transport), options.client),
      options_(std::move(options)) {}

const Verifier* VerificationEngine::verifier_for(const Finding& f) const {
  for (const auto& v : verifiers_)
    if (v->handles(f)) return v.get();
  return nullptr;
}

VerifyStats VerificationEngine::verify(std::vector<Finding>& findings) {
  VerifyStats stats;
  const uint64_t attempts_before = http_.attempts();
  if (options_.total_time.count() > 0) http_.limit_total_time(options_.total_time);
  for (auto& f : findings) {
    const Verifier* v = verifier_for(f);
    if (!v) {
      f.verification = {};
      ++stats.not_checked;
      continue;
    }
    if (const Verification* cached = cache_.find(v->provider(), f.secret_sha256)) {
      f.verification = *cached;
      ++stats.cache_hits;
    } else {
      std::optional<std::string> base;
      if (auto it = options_.endpoint_overrides.find(std::string(v->provider()));
          it != options_.endpoint_overrides.end())
        base = it->second;
      VerifyContext ctx(http_, std::string(v->provider()), v->documented_hosts(), base, findings);
      Verification result = v->verify(f, ctx);
      scrub(result.identity, f);
      scrub(result.detail, f);
      cache_.store(v->provider(), f.secret_sha256, result);
      f.verification = std::move(result);
    }
    switch (f.verification.status) {
      case Verification::Status::kLive:
        ++stats.live;
        break;
      case Verification::Status::kRevoked:
        ++stats.revoked;
        break;
      case Verification::Status::kUnknown:
        ++stats.unknown;
        break;
      case Verification::Status::kNotChecked:
        ++stats.not_checked;
        break;
    }
  }
  stats.requests = http_.attempts() - attempts_before;
  if (http_.offline()) stats.offline_reason = http_.offline_reason();
  return stats;
}

}  // namespace keysweep::verify
