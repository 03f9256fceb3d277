#include "verify/verification_cache.h"

namespace keysweep::verify {

const Verification* VerificationCache::find(std::string_view provider,
                                            std::string_view secret_sha256) const {
  auto it = entries_.find({std::string(provider), std::string(secret_sha256)});
  return it == entries_.end() ? nullptr : &it->second;
}

void VerificationCache::store(std::string_view provider, std::string_view secret_sha256,
                              Verification v) {
  entries_[{std::string(provider), std::string(secret_sha256)}] = std::move(v);
}

}  // namespace keysweep::verify
