// HttpTransport over libcurl. Deliberately narrow: http and https only, no redirects (a redirect
// could lead to a host the allow list never saw), no proxy credentials, no verbose output (it would
// print the Authorization header), bodies capped so a hostile server cannot fill memory.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "io/shared_library.h"
#include "verify/http_client.h"

namespace keysweep::verify {

namespace {

// libcurl, opened on first use (io/shared_library.h says why it is not linked). Each member has
// the type curl.h declares for its function, so calls are checked as if linked.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

// Loaded once per process (curl_global_init included); the error, if any, every time after.
const Result<CurlApi>& curl_api() {
  static const Result<CurlApi> api = []() -> Result<CurlApi> {
    auto lib = SharedLibrary::open("libcurl.so.4");
    if (!lib) return std::unexpected(lib.error());
    CurlApi a;
    for (auto r : {lib->load("curl_global_init", a.global_init), lib->load("curl_easy_init", a.easy_init),
                   lib->load("curl_easy_cleanup", a.easy_cleanup), lib->load("curl_easy_reset", a.easy_reset),
                   lib->load("curl_easy_setopt", a.easy_setopt), lib->load("curl_easy_perform", a.easy_perform),
                   lib->load("curl_easy_getinfo", a.easy_getinfo),
                   lib->load("curl_easy_strerror", a.easy_strerror),
                   lib->load("curl_slist_append", a.slist_append),
                   lib->load("curl_slist_free_all", a.slist_free_all)}) {
      if (!r) return std::unexpected(r.error());
    }
    a.global_init(CURL_GLOBAL_DEFAULT);
    return a;
  }();
  return api;
}

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
    if (const auto& api = curl_api()) {
      api_ = &*api;
      handle_ = api_->easy_init();
    }
  }
  ~CurlTransport() override {
    if (handle_) api_->easy_cleanup(handle_);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  std::expected<HttpResponse, TransportError> send(const HttpRequest& req) override {
    if (!api_)
      return std::unexpected(TransportError{TransportError::Kind::kOther, curl_api().error().message});
    if (!handle_)
      return std::unexpected(TransportError{TransportError::Kind::kOther, "libcurl init failed"});
    const CurlApi& curl = *api_;
    // One handle for the run: connections to the same provider are reused.
    curl.easy_reset(handle_);
    CURL* h = handle_;
    HttpResponse resp;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : req.headers)
      headers = curl.slist_append(headers, (name + ": " + value).c_str());
    // Without this, curl adds "Expect: 100-continue" to POSTs and waits for an answer.
    headers = curl.slist_append(headers, "Expect:");

    curl.easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl.easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
    auto total = timeouts_.total;
    if (req.time_limit.count() > 0) total = std::min(total, req.time_limit);
    curl.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl.easy_setopt(h, CURLOPT_USERAGENT, kUserAgent);
    curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl.easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
    curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl.easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
    if (req.method == "POST") {
      curl.easy_setopt(h, CURLOPT_POST, 1L);
      curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
      curl.easy_setopt(h, CURLOPT_POSTFIELDS, req.body.c_str());
    } else if (req.method != "GET") {
      curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }

    CURLcode code = curl.easy_perform(h);
    curl.slist_free_all(headers);
    if (code != CURLE_OK) {
      std::string message = errbuf[0] ? errbuf : curl.easy_strerror(code);
      TransportError::Kind kind = kind_of(code);
      // A firewall that drops packets shows as a timeout before any connection: that is "cannot
      // connect", so the first request of a run can still conclude there is no network.
      curl_off_t connected_after = 0;
      if (kind == TransportError::Kind::kTimeout &&
          curl.easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_after) == CURLE_OK &&
          connected_after == 0)
        kind = TransportError::Kind::kConnect;
      return std::unexpected(TransportError{kind, message});
    }
    curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
    return resp;
  }

 private:
  HttpTimeouts timeouts_;
  const CurlApi* api_ = nullptr;  // null when libcurl could not be loaded
  CURL* handle_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const HttpTimeouts& timeouts) {
  return std::make_unique<CurlTransport>(timeouts);
}

}  // namespace keysweep::verify
