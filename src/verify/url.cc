#include "verify/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace keysweep::verify {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<ParsedUrl> parse_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  ParsedUrl u;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.has_userinfo = true;
    authority = authority.substr(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
      return std::nullopt;
    u.port = static_cast<uint16_t>(value);
  }
  u.host = lower(host);
  u.path = tail.empty() || tail[0] != '/' ? "/" + std::string(tail) : std::string(tail);
  if (auto hash = u.path.find('#'); hash != std::string::npos) u.path.erase(hash);
  return u;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.a.b.c, four decimal octets: "127.0.0.1.evil.example" is a DNS name, not loopback.
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      return false;
  }
  return dots == 3;
}

std::string redact_url(std::string_view url) {
  auto u = parse_url(url);
  if (!u) return "(unparsable URL)";
  const bool ipv6 = u->host.find(':') != std::string::npos;
  std::string out = u->scheme + "://" + (ipv6 ? "[" + u->host + "]" : u->host);
  if (u->port) out += ":" + std::to_string(u->port);
  std::string_view path = u->path;
  auto q = path.find('?');
  out += path.substr(0, q);
  if (q != std::string_view::npos) {
    // Keep the parameter names (they say what was asked), drop every value.
    std::string_view query = path.substr(q + 1);
    out += '?';
    bool first = true;
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      auto eq = pair.find('=');
      if (!first) out += '&';
      out += pair.substr(0, eq);
      if (eq != std::string_view::npos) out += "=…";
      first = false;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return out;
}

}  // namespace keysweep::verify
