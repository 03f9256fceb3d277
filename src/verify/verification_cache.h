// One answer per (provider, secret) per run: the same key found in 40 files costs one request.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "keysweep/finding.h"

namespace keysweep::verify {

class VerificationCache {
 public:
  const Verification* find(std::string_view provider, std::string_view secret_sha256) const;
  void store(std::string_view provider, std::string_view secret_sha256, Verification v);
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, Verification> entries_;
};

}  // namespace keysweep::verify
