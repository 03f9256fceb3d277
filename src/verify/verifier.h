// A verifier asks one provider, with one read-only request that costs the owner nothing, whether a
// credential works and as whom. It names the hosts its provider documents; the HTTP client refuses
// any other, so a verifier cannot send a secret anywhere else even by mistake.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/finding.h"
#include "verify/http_client.h"

namespace keysweep::verify {

// Where a provider's requests go in this run.
class VerifyContext {
 public:
  VerifyContext(HttpClient& http, std::string provider, std::vector<std::string> documented_hosts,
                std::optional<std::string> override_base, const std::vector<Finding>& scope)
      : http_(http),
        provider_(std::move(provider)),
        documented_hosts_(std::move(documented_hosts)),
        override_base_(std::move(override_base)),
        scope_(scope) {}

  // https://<host><path>, or the override's base URL + path when the run has one.
  std::string url(std::string_view documented_host, std::string_view path) const;
  // Sends through the shared client, allowed only to the documented hosts (or the override's).
  std::expected<HttpResponse, ClientError> send(const HttpRequest& request) const;
  // Every finding of the run, for credentials whose check needs a part found elsewhere (a Twilio
  // API key needs its Account SID).
  const std::vector<Finding>& scope() const { return scope_; }

 private:
  HttpClient& http_;
  std::string provider_;
  std::vector<std::string> documented_hosts_;
  std::optional<std::string> override_base_;
  const std::vector<Finding>& scope_;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual std::string_view provider() const = 0;  // "twilio": the name overrides use
  // The provider's documented API hosts; the first is the one most requests go to.
  virtual std::vector<std::string> documented_hosts() const = 0;
  virtual bool handles(const Finding& f) const = 0;
  virtual Verification verify(const Finding& f, const VerifyContext& ctx) const = 0;
};

// --- helpers shared by the provider files ---

// The clear text of the part playing `role` in a pair; for a single finding, its own secret when
// `role` is its role (or "secret" and it has none).
std::optional<std::string> part_secret(const Finding& f, std::string_view role);
std::string basic_auth(std::string_view user, std::string_view password);  // "Basic ..."
// RFC 4648 base64 with padding; url_safe uses '-' and '_' for '+' and '/'.
std::string base64_encode(std::string_view bytes, bool url_safe = false);
std::string host_of(std::string_view url);

// The common mapping: 200 live, 401/403 revoked, anything else unknown with the status; transport
// errors unknown with their message. `identity` is filled by the caller for a live answer.
Verification classify(const std::expected<HttpResponse, ClientError>& r, std::string_view url);

// The whole of many checks: GET https://<host><path> with `headers`; live takes its identity from
// the JSON field `identity_field` of the answer.
Verification get_identity(const VerifyContext& ctx, std::string_view host, std::string_view path,
                          std::vector<std::pair<std::string, std::string>> headers,
                          std::string_view identity_field);

// A string field of a JSON body ("a.b" walks objects), or "" when absent or not JSON.
std::string json_field(std::string_view body, std::string_view dotted_path);

}  // namespace keysweep::verify
