#include "verify/verifier.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "verify/url.h"

namespace keysweep::verify {

std::string VerifyContext::url(std::string_view documented_host, std::string_view path) const {
  if (override_base_) {
    std::string base = *override_base_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + std::string(path);
  }
  return "https://" + std::string(documented_host) + std::string(path);
}

std::expected<HttpResponse, ClientError> VerifyContext::send(const HttpRequest& request) const {
  std::vector<std::string> allowed = documented_hosts_;
  if (override_base_) {
    auto u = parse_url(*override_base_);
    allowed = {u ? u->host : std::string()};
  }
  return http_.send(provider_, allowed, request);
}

std::optional<std::string> part_secret(const Finding& f, std::string_view role) {
  for (const auto& p : f.parts)
    if (p.pair_role == role) return p.secret;
  if (f.parts.empty() && (f.pair_role == role || (role == "secret" && f.pair_role.empty())))
    return f.secret;
  return std::nullopt;
}

std::string base64_encode(std::string_view bytes, bool url_safe) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  if (url_safe)
    for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string basic_auth(std::string_view user, std::string_view password) {
  return "Basic " + base64_encode(std::string(user) + ":" + std::string(password));
}

std::string host_of(std::string_view url) {
  auto u = parse_url(url);
  if (!u) return {};
  return u->port ? u->host + ":" + std::to_string(u->port) : u->host;
}

Verification classify(const std::expected<HttpResponse, ClientError>& r, std::string_view url) {
  Verification v;
  v.endpoint = host_of(url);
  if (!r) {
    v.status = Verification::Status::kUnknown;
    // Offline: the reason is printed once for the run, not on every finding.
    v.detail = r.error().kind == ClientError::Kind::kOffline ? "verification skipped: no network"
                                                             : r.error().message;
    return v;
  }
  long s = r->status;
  if (s >= 200 && s < 300) {
    v.status = Verification::Status::kLive;
  } else if (s == 401 || s == 403) {
    v.status = Verification::Status::kRevoked;
    v.detail = "HTTP " + std::to_string(s) + (s == 401 ? " unauthorized" : " forbidden");
  } else {
    v.status = Verification::Status::kUnknown;
    v.detail = "HTTP " + std::to_string(s);
  }
  return v;
}

Verification get_identity(const VerifyContext& ctx, std::string_view host, std::string_view path,
                          std::vector<std::pair<std::string, std::string>> headers,
                          std::string_view identity_field) {
  HttpRequest req;
  req.url = ctx.url(host, path);
  req.headers = std::move(headers);
  auto r = ctx.send(req);
  Verification v = classify(r, req.url);
  if (r && v.status == Verification::Status::kLive)
    v.identity = json_field(r->body, identity_field);
  return v;
}

std::string json_field(std::string_view body, std::string_view dotted_path) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return {};
  const nlohmann::json* cur = &j;
  while (!dotted_path.empty()) {
    size_t dot = dotted_path.find('.');
    std::string key(dotted_path.substr(0, dot));
    if (!cur->is_object() || !cur->contains(key)) return {};
    cur = &(*cur)[key];
    if (dot == std::string_view::npos) break;
    dotted_path.remove_prefix(dot + 1);
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_number_integer()) return std::to_string(cur->get<int64_t>());
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  return {};
}

}  // namespace keysweep::verify
