// HttpTransport over libcurl. Deliberately narrow: http and https only, no redirects (a redirect
// could lead to a host the allow list never saw), no proxy credentials, no verbose output (it would
// print the Authorization header), bodies capped so a hostile server cannot fill memory.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "verify/http_client.h"

namespace keysweep::verify {

namespace {

constexpr size_t kMaxBody = 1 << 20;
constexpr const char* kUserAgent = "keysweep-verify/0.1 (+https://github.com/keysweep/keysweep)";

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t bytes = size * n;
  if (body->size() + bytes > kMaxBody) return 0;  // aborts the transfer: CURLE_WRITE_ERROR
  body->append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string_view::npos && headers->size() < 200) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    (*headers)[std::move(name)] = std::string(value);
  }
  return size * n;
}

TransportError::Kind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::Kind::kResolve;
    case CURLE_COULDNT_CONNECT:
      return TransportError::Kind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::Kind::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return TransportError::Kind::kTls;
    default:
      return TransportError::Kind::kOther;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const HttpTimeouts& t) : timeouts_(t) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_ = curl_easy_init();
  }
  ~CurlTransport() override {
    if (handle_) curl_easy_cleanup(handle_);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  std::expected<HttpResponse, TransportError> send(const HttpRequest& req) override {
    if (!handle_)
      return std::unexpected(TransportError{TransportError::Kind::kOther, "libcurl init failed"});
    // One handle for the run: connections to the same provider are reused.
    curl_easy_reset(handle_);
    CURL* h = handle_;
    HttpResponse resp;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : req.headers)
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    // Without this, curl adds "Expect: 100-continue" to POSTs and waits for an answer.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
    curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
    if (req.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
    } else if (req.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }

    CURLcode code = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
      std::string message = errbuf[0] ? errbuf : curl_easy_strerror(code);
      TransportError::Kind kind = kind_of(code);
      // A firewall that drops packets shows as a timeout before any connection: that is "cannot
      // connect", so the first request of a run can still conclude there is no network.
      curl_off_t connected_after = 0;
      if (kind == TransportError::Kind::kTimeout &&
          curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_after) == CURLE_OK &&
          connected_after == 0)
        kind = TransportError::Kind::kConnect;
      return std::unexpected(TransportError{kind, message});
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    return resp;
  }

 private:
  HttpTimeouts timeouts_;
  CURL* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const HttpTimeouts& timeouts) {
  return std::make_unique<CurlTransport>(timeouts);
}

}  // namespace keysweep::verify
