// RFC 3986 percent-encoding, as SARIF URIs, git repository URIs and AWS SigV4's canonical request
// all need it.
#pragma once

#include <string>
#include <string_view>

namespace keysweep {

// Every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~), and '/' when keep_slash, becomes
// %XX with upper-case hex; so '%', ' ', '#', '?' and ':' cannot change what a URI means.
std::string percent_encode(std::string_view s, bool keep_slash);

}  // namespace keysweep
