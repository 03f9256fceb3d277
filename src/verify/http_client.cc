#include "verify/http_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <thread>

#include "verify/url.h"

namespace keysweep::verify {

namespace {

// refuse_url over a URL the caller has parsed already (send needs its host afterwards).
std::optional<std::string> refuse_parsed_url(std::string_view url, const std::optional<ParsedUrl>& u,
                                             const std::vector<std::string>& allowed_hosts) {
  if (!u) return "refused to send to " + redact_url(url) + ": not an absolute http(s) URL";
  if (u->has_userinfo) return "refused to send to " + redact_url(url) + ": URL carries user info";
  bool listed = std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const auto& h) {
    return std::equal(h.begin(), h.end(), u->host.begin(), u->host.end(),
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  });
  if (!listed)
    return "refused to send to " + redact_url(url) + ": host " + u->host +
           " is not a documented endpoint of this provider";
  // Plain http only to a loopback test server (an explicit endpoint override).
  if (u->scheme != "https" && !is_loopback_host(u->host))
    return "refused to send to " + redact_url(url) + ": not https";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> refuse_url(std::string_view url,
                                      const std::vector<std::string>& allowed_hosts) {
  return refuse_parsed_url(url, parse_url(url), allowed_hosts);
}

HttpClient::HttpClient(std::unique_ptr<HttpTransport> transport, HttpClientOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {
  if (!options_.sleep)
    options_.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
  if (!options_.now) options_.now = [] { return TokenBucket::Clock::now(); };
}

void HttpClient::pace(std::string_view provider) {
  auto it = buckets_.find(provider);
  if (it == buckets_.end())
    it = buckets_
             .emplace(std::string(provider),
                      TokenBucket(options_.requests_per_second, options_.burst))
             .first;
  auto wait = it->second.take(options_.now());
  if (wait.count() > 0) options_.sleep(wait);
}

namespace {

bool retryable_status(long status) { return status == 429 || (status >= 500 && status <= 599); }

bool connection_failure(TransportError::Kind k) {
  return k == TransportError::Kind::kResolve || k == TransportError::Kind::kConnect;
}

// Retry-After in seconds (the HTTP-date form is rare on APIs and ignored).
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& r) {
  auto it = r.headers.find("retry-after");
  if (it == r.headers.end()) return std::nullopt;
  unsigned seconds = 0;
  const std::string& v = it->second;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc()) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(seconds) * 1000);
}

}  // namespace

std::optional<std::string> refuse_request(const HttpRequest& request) {
  // A captured value with CR or LF would add a header line of its own (or split the request);
  // nothing a provider documents holds a control character.
  auto control = [](std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; });
  };
  if (control(request.url)) return "refused to send to " + redact_url(request.url) + ": the URL holds a control character";
  for (const auto& [name, value] : request.headers)
    if (control(name) || control(value))
      return "refused to send to " + redact_url(request.url) + ": header " + name + " holds a control character";
  return std::nullopt;
}

std::expected<HttpResponse, ClientError> HttpClient::send(
    std::string_view provider, const std::vector<std::string>& allowed_hosts,
    const HttpRequest& request) {
  const auto parsed = parse_url(request.url);
  if (auto why = refuse_parsed_url(request.url, parsed, allowed_hosts))
    return std::unexpected(ClientError{ClientError::Kind::kRefusedHost, *why});
  if (auto why = refuse_request(request))
    return std::unexpected(ClientError{ClientError::Kind::kRefusedHost, *why});
  if (offline_) return std::unexpected(ClientError{ClientError::Kind::kOffline, offline_reason_});
  const std::string& host = parsed->host;  // refuse_parsed_url passed it: parsed
  int& failures = failures_in_a_row_[host];
  if (failures >= options_.breaker_failures)
    return std::unexpected(ClientError{ClientError::Kind::kTransport,
                                       "not sent: the last " + std::to_string(failures) + " requests to " +
                                           host + " failed"});

  std::chrono::milliseconds backoff = options_.first_backoff;
  for (int attempt = 0;; ++attempt) {
    if (deadline_ && options_.now() >= *deadline_)
      return std::unexpected(ClientError{ClientError::Kind::kTransport,
                                         "not sent: the verification time budget (--verify-timeout) is spent"});
    pace(provider);
    const bool first_of_run = !any_attempt_;
    any_attempt_ = true;
    ++attempts_;
    HttpRequest bounded = request;
    if (deadline_)
      bounded.time_limit = std::max(std::chrono::milliseconds(1),
                                    std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - options_.now()));
    auto result = transport_->send(bounded);
    const bool last = attempt >= options_.max_retries;
    failures = result ? 0 : failures + 1;
    if (result) {
      if (!retryable_status(result->status) || last) return std::move(*result);
      auto wait = std::min(retry_after(*result).value_or(backoff), options_.max_retry_after);
      options_.sleep(wait);
    } else {
      // No network at all: say so once and stop, rather than time out on every finding.
      if (first_of_run && connection_failure(result.error().kind)) {
        offline_ = true;
        offline_reason_ = result.error().message;
        return std::unexpected(ClientError{ClientError::Kind::kOffline, offline_reason_});
      }
      // A timeout already cost 15 s and a TLS failure repeats itself: neither is worth a retry.
      const bool retryable = result.error().kind != TransportError::Kind::kTimeout &&
                             result.error().kind != TransportError::Kind::kTls;
      if (last || !retryable || failures >= options_.breaker_failures)
        return std::unexpected(ClientError{ClientError::Kind::kTransport, result.error().message});
      options_.sleep(backoff);
    }
    backoff *= 2;
  }
}

}  // namespace keysweep::verify
