// The few URL facts the verifier needs: which host a request goes to, and a form of the URL that is
// safe to print. Only absolute http(s) URLs are accepted; anything else is refused, not guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keysweep::verify {

struct ParsedUrl {
  std::string scheme;  // "https", lower-case
  std::string host;    // lower-case, without brackets for IPv6
  uint16_t port = 0;   // 0 when the URL names none
  std::string path;    // from the first '/', with the query; "/" when empty
  bool has_userinfo = false;
};

std::optional<ParsedUrl> parse_url(std::string_view url);

// 127.0.0.1 (any 127/8), ::1 or localhost: the only hosts an endpoint override may name.
bool is_loopback_host(std::string_view host);

// scheme://host[:port]/path with user info and the query string's values replaced by "…", so a
// URL that (against the rules) carries a secret can still be named in a message.
std::string redact_url(std::string_view url);

}  // namespace keysweep::verify
