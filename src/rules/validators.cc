#include "rules/validators.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/secret.h"
#include "core/value_shape.h"

namespace keysweep {

namespace {

bool icontains(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != hay.end();
}

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

std::string base64url_decode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = base64url_value(c);
    if (v < 0) return {};
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string_view>& known_validator_names() {
  static const std::vector<std::string_view> names = {"crc32_base62", "jwt", "nkey_crc16"};
  return names;
}

bool looks_like_placeholder(std::string_view secret) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "example", "sample", "dummy", "placeholder", "your_", "your-", "xxxx", "changeme",
      "redacted", "<", "${", "****"};
  for (auto w : kWords)
    if (contains_word_as_written(secret, w)) return true;
  // "AC" + 32 identical characters, "AKIA" + "AAAA…": a run of more than half the secret (and at
  // least 8) is filler, not key material. Looser than the context scorer's is_filler on purpose:
  // provider formats are checked by their own shape, and other scanners' suites use sequences
  // like "ABCDEFGHIJKL" inside positives of the right format.
  CharacterRuns runs = longest_runs(secret);
  size_t run = std::max(runs.repeated, runs.sequence);
  return run >= 8 && run * 2 > secret.size();
}

bool github_token_checksum_ok(std::string_view token) {
  // Documented format: prefix + 30 random base62 characters + CRC32 of those 30 characters,
  // base62-encoded, left-padded with '0' to 6 characters.
  auto underscore = token.find('_');
  if (underscore == std::string_view::npos) return false;
  std::string_view body = token.substr(underscore + 1);
  if (body.size() != 36) return false;
  std::string_view random = body.substr(0, 30), check = body.substr(30);
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(random.data()), static_cast<uInt>(random.size())));
  static constexpr char kBase62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string encoded(6, '0');
  for (int i = 5; i >= 0 && crc; --i) {
    encoded[static_cast<size_t>(i)] = kBase62[crc % 62];
    crc /= 62;
  }
  return encoded == check;
}

bool nkey_checksum_ok(std::string_view key) {
  // nats-io/nkeys: base32 (RFC 4648, no padding) of prefix bytes + key + CRC-16/XMODEM
  // (polynomial 0x1021, initial 0) of everything before it, little-endian. Written by hand: it is
  // twelve lines and no Debian library offers this CRC variant.
  std::string raw;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : key) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) return false;
    acc = (acc << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (raw.size() < 3) return false;
  uint16_t crc = 0;
  for (size_t i = 0; i + 2 < raw.size(); ++i) {
    crc ^= static_cast<uint16_t>(static_cast<unsigned char>(raw[i]) << 8);
    for (int b = 0; b < 8; ++b) crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  uint16_t stored = static_cast<uint16_t>(static_cast<unsigned char>(raw[raw.size() - 2]) |
                                          (static_cast<unsigned char>(raw[raw.size() - 1]) << 8));
  return crc == stored;
}

bool jwt_structure_ok(std::string_view token) {
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  std::string header = base64url_decode(token.substr(0, dot));
  return header.find('{') != std::string::npos && header.find("\"alg\"") != std::string::npos;
}

bool is_public_sample(std::string_view secret) {
  // Values a provider's own documentation publishes as the example to copy. Compared by length,
  // then hash, so the tree holds no string that looks like a key and most secrets are never
  // hashed. Source: Microsoft's Azurite docs ("well-known storage account and key",
  // devstoreaccount1). Not MongoDB's manual password (myDatabaseUser's): other scanners' suites
  // count copies of it as leaks, and a copied sample is often the password actually deployed.
  struct Sample {
    size_t length;
    std::string_view sha256;
  };
  static constexpr Sample kSamples[] = {
      {88, "0011cc25eb4320717494d2703e8cba85743e71b500283c21c8b88147992f9059"},  // Azurite key
  };
  std::string hash;
  for (const auto& sample : kSamples) {
    if (secret.size() != sample.length) continue;
    if (hash.empty()) hash = sha256_hex(secret);
    if (hash == sample.sha256) return true;
  }
  // jwt.io's debugger opens on a token for {"sub":"1234567890","name":"John Doe",...}; docs copy
  // it with every algorithm and secret, so the payload, not the signature, is the sample.
  if (secret.starts_with("eyJ")) {
    size_t dot1 = secret.find('.');
    size_t dot2 = dot1 == std::string_view::npos ? dot1 : secret.find('.', dot1 + 1);
    if (dot2 != std::string_view::npos) {
      std::string payload = base64url_decode(secret.substr(dot1 + 1, dot2 - dot1 - 1));
      if (payload.find("\"John Doe\"") != std::string::npos &&
          payload.find("\"1234567890\"") != std::string::npos)
        return true;
    }
  }
  return false;
}

std::string_view reject_reason(const Rule& rule, std::string_view secret, std::string_view match,
                               std::string_view context_label) {
  if (looks_like_placeholder(secret)) return "placeholder";
  if (is_public_sample(secret)) return "public sample";
  if (rule.min_entropy > 0 && shannon_entropy(secret) < rule.min_entropy) return "low entropy";
  if (!rule.keywords.empty()) {
    bool found = std::any_of(rule.keywords.begin(), rule.keywords.end(),
                             [&](const std::string& k) { return icontains(match, k) || icontains(context_label, k); });
    if (!found) return "no keyword";
  }
  for (const auto& v : rule.validators) {
    if (v == "crc32_base62" && !github_token_checksum_ok(secret)) return "bad checksum";
    if (v == "jwt" && !jwt_structure_ok(secret)) return "not a JWT";
    if (v == "nkey_crc16" && !nkey_checksum_ok(secret)) return "bad checksum";
  }
  return {};
}

}  // namespace keysweep
