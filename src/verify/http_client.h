// The one way verifiers reach the network. A transport moves bytes (libcurl in production, a fake
// in unit tests); HttpClient wraps it with the rules every request obeys: only the provider's
// documented hosts, a per-provider rate limit, retries with exponential backoff on 429, 5xx and
// connection errors, and "no network" decided once, on the first request, instead of N timeouts.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "verify/rate_limiter.h"

namespace keysweep::verify {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given
  std::string body;
  // At most this long for the whole exchange when set (the client sets it from what is left of
  // the --verify-timeout budget); the transport's own timeout otherwise.
  std::chrono::milliseconds time_limit{0};
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;                            // capped by the transport
};

struct TransportError {
  enum class Kind { kResolve, kConnect, kTimeout, kTls, kOther };
  Kind kind = Kind::kOther;
  std::string message;  // from the transport; names the host, never a header or body
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // One attempt, no retries, never following redirects.
  virtual std::expected<HttpResponse, TransportError> send(const HttpRequest& request) = 0;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{15000};
};
std::unique_ptr<HttpTransport> make_curl_transport(const HttpTimeouts& timeouts);

struct ClientError {
  enum class Kind {
    kRefusedHost,  // the URL's host is not one the provider documents: nothing was sent
    kOffline,      // the run has no network (decided on its first request)
    kTransport,    // the request failed after its retries
  };
  Kind kind = Kind::kTransport;
  std::string message;
};

struct HttpClientOptions {
  int max_retries = 3;
  std::chrono::milliseconds first_backoff{500};  // doubled after each retry
  std::chrono::milliseconds max_retry_after{30000};
  double requests_per_second = 5;  // per provider
  double burst = 5;
  // After this many transport failures in a row (timeouts, refused connections, TLS errors) to
  // one host, later requests to it fail at once: a hanging server costs three timeouts, not one
  // per credential.
  int breaker_failures = 3;
  // Injected so tests count waits instead of taking them.
  std::function<void(std::chrono::nanoseconds)> sleep;
  std::function<TokenBucket::Clock::time_point()> now;
};

class HttpClient {
 public:
  HttpClient(std::unique_ptr<HttpTransport> transport, HttpClientOptions options);

  // Sends `request` on behalf of `provider` if its URL is https (or http to a loopback override)
  // and its host is one of `allowed_hosts`; the check runs on the final URL, before anything is
  // sent. A 429 or 5xx answer is retried and then returned as a response; only transport failures
  // become errors.
  std::expected<HttpResponse, ClientError> send(std::string_view provider,
                                                const std::vector<std::string>& allowed_hosts,
                                                const HttpRequest& request);

  // From now on, at most `budget` more time for the whole verification phase (--verify-timeout):
  // a request that would start after it fails at once.
  void limit_total_time(std::chrono::milliseconds budget) { deadline_ = options_.now() + budget; }

  bool offline() const { return offline_; }
  const std::string& offline_reason() const { return offline_reason_; }
  uint64_t attempts() const { return attempts_; }

 private:
  void pace(std::string_view provider);

  std::unique_ptr<HttpTransport> transport_;
  HttpClientOptions options_;
  std::map<std::string, TokenBucket, std::less<>> buckets_;
  std::map<std::string, int, std::less<>> failures_in_a_row_;  // by host
  std::optional<TokenBucket::Clock::time_point> deadline_;
  bool any_attempt_ = false;
  bool offline_ = false;
  std::string offline_reason_;
  uint64_t attempts_ = 0;
};

// The allow-list rule on its own: an error message when `url` may not be sent, nothing when it
// may. Hosts compare exactly (case-insensitively): "api.twilio.com" does not admit
// "api.twilio.com.evil.example" or "evil.example/?api.twilio.com".
std::optional<std::string> refuse_url(std::string_view url,
                                      const std::vector<std::string>& allowed_hosts);

// The request's own rule: no control character in its URL or headers (a CR/LF in a captured value
// would forge header lines). An error message when it may not be sent.
std::optional<std::string> refuse_request(const HttpRequest& request);

}  // namespace keysweep::verify
