// AWS Signature Version 4, as documented in the IAM User Guide ("Create a signed AWS API request")
// and checked against AWS's published test suite (aws_sigv4_test in verify_test.cc).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keysweep::verify {

struct SigV4Request {
  std::string method;  // "GET", "POST"
  std::string path;    // as sent, e.g. "/" or "/example/.."; normalised and encoded when signing
  std::string query;   // raw query string without '?', e.g. "Param2=value2&Param1=value1"
  // Every header to sign, including host and x-amz-date (and x-amz-security-token if any).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;
};

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // lower-case hex
  std::string authorization;  // the Authorization header value
};

// amz_date is the request's X-Amz-Date, "YYYYMMDDTHHMMSSZ".
SigV4Result sigv4_sign(const SigV4Request& request, const SigV4Credentials& credentials,
                       std::string_view region, std::string_view service,
                       std::string_view amz_date);

// The current UTC time as X-Amz-Date wants it.
std::string amz_date_now();

}  // namespace keysweep::verify
