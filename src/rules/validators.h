// Validators drop what cannot be a credential: placeholders, low entropy, bad checksums.
// Each is a pure function of the secret (and for some, the whole match).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/rule.h"

namespace keysweep {

// Names usable in a rule's `validators` list.
const std::vector<std::string_view>& known_validator_names();

// Why a candidate was rejected, or "" when it passes every check of its rule.
// Always applied: the placeholder filter, the rule's min_entropy and its keywords (looked for in
// the match and in `context_label`, the name of the resource or key that holds the secret).
std::string_view reject_reason(const Rule& rule, std::string_view secret, std::string_view match,
                               std::string_view context_label);

// Exposed for tests.
bool looks_like_placeholder(std::string_view secret);
// GitHub (ghp_/gho_/ghu_/ghs_/ghr_) and npm (npm_) tokens: 30 random base62 + CRC32 in base62.
bool github_token_checksum_ok(std::string_view token);
bool jwt_structure_ok(std::string_view token);
// NATS nkeys (seeds, public keys): base32 whose last two bytes are the CRC-16/XMODEM of the rest.
bool nkey_checksum_ok(std::string_view key);           // header is base64url JSON with "alg"
// A value its provider publishes as a sample, which grants nothing: the Azurite / Storage
// Emulator account key, jwt.io's example tokens (any signature over its "John Doe" payload).
bool is_public_sample(std::string_view secret);

}  // namespace keysweep
