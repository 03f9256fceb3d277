#include "core/secret.h"

#include <algorithm>

// SHA-256 through OpenSSL's low-level functions (deprecated since 3.0, still in every 3.x), not
// EVP: the first EVP digest of a process initialises OpenSSL's providers and reads openssl.cnf,
// 2-3 ms of a 25 ms run on this machine, and every scan hashes its pattern set before it reads a
// byte. SHA256_Init/Update/Final call the implementation directly (0.07 ms for the first digest).
// EVP has no HMAC without that initialisation either, so HMAC (RFC 2104) is the few lines below.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace keysweep {

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 15];
  }
  return out;
}

namespace {
std::string to_hex(const unsigned char* digest, unsigned len) {
  return hex_encode({reinterpret_cast<const char*>(digest), len});
}

// SHA256() itself is not one of them: in 3.x it is EVP_Q_digest.
void sha256(std::string_view data, unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(digest, &ctx);
}
}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256(data, digest);
  return to_hex(digest, sizeof digest);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  // HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)), K' the key padded to the 64-byte block
  // (hashed first when longer).
  constexpr size_t kBlock = SHA256_CBLOCK;
  unsigned char padded[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned char hashed[SHA256_DIGEST_LENGTH];
    sha256(key, hashed);
    std::memcpy(padded, hashed, sizeof hashed);
  } else {
    std::memcpy(padded, key.data(), key.size());
  }
  unsigned char inner_pad[kBlock], outer_pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    inner_pad[i] = padded[i] ^ 0x36;
    outer_pad[i] = padded[i] ^ 0x5c;
  }
  unsigned char inner[SHA256_DIGEST_LENGTH], digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, inner_pad, kBlock);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(inner, &ctx);
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, outer_pad, kBlock);
  SHA256_Update(&ctx, inner, sizeof inner);
  SHA256_Final(digest, &ctx);
  return to_hex(digest, sizeof digest);
}

bool is_guessable_secret(std::string_view secret) {
  bool lower = false, upper = false, digit = false, other = false, high = false;
  bool hex_lower = true, hex_upper = true;  // every letter a-f (or every letter A-F)
  for (unsigned char c : secret) {
    hex_lower = hex_lower && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    hex_upper = hex_upper && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
    if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c >= '0' && c <= '9') digit = true;
    else if (c >= 0x20 && c < 0x7F) other = true;
    else high = true;
  }
  double alphabet = high ? 256.0 : 26.0 * lower + 26.0 * upper + 10.0 * digit + 33.0 * other;
  if (hex_lower || hex_upper) alphabet = std::min(alphabet, 16.0);  // hex digits: 4 bits each
  if (alphabet < 2) return true;
  return static_cast<double>(secret.size()) * std::log2(alphabet) < 80.0;
}

std::string_view secret_hash_field(bool keyed) {
  return keyed ? "secret_hmac_sha256" : "secret_sha256";
}

std::string secret_hash_text(std::string_view hash, bool keyed) {
  return keyed ? "hmac-sha256:" + std::string(hash) : std::string(hash);
}

struct Sha256::Context {
  SHA256_CTX sha;
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) { SHA256_Init(&ctx_->sha); }
Sha256::~Sha256() = default;

void Sha256::update(std::string_view piece) {
  SHA256_Update(&ctx_->sha, piece.data(), piece.size());
}

std::string Sha256::hex() {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &ctx_->sha);
  return to_hex(digest, sizeof digest);
}

std::string redact_secret(std::string_view secret) {
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …
  // A preview may show characters only while at least 16 stay hidden: 16 hex digits are 64 bits,
  // and a 4+4 preview of a 12-character secret plus its SHA-256 fell to brute force in 89 s. A
  // value whose characters carry little (a password, a word) shows none: its shape would be the
  // dictionary attack's first hint.
  constexpr size_t kHidden = 16;
  size_t reveal = secret.size() > kHidden ? std::min<size_t>(8, secret.size() - kHidden) : 0;
  if (shannon_entropy(secret) < 3.0) reveal = 0;
  // The head first: it names the kind (AKIA, ghp_, xoxb-); the tail tells two of a kind apart.
  size_t head = std::min<size_t>(4, reveal), tail = reveal - head;
  std::string out(printable_utf8(secret.substr(0, head)));
  out += kEllipsis;
  out += printable_utf8(secret.substr(secret.size() - tail));
  return out;
}

std::string finding_fingerprint(std::string_view rule_id, std::string_view secret_sha256,
                                std::string_view location_path, std::string_view symbol) {
  std::string material;
  material.reserve(rule_id.size() + secret_sha256.size() + location_path.size() + symbol.size() + 3);
  material.append(rule_id).append("\x1f").append(secret_sha256).append("\x1f");
  material.append(location_path).append("\x1f").append(symbol);
  return sha256_hex(material).substr(0, 32);
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<uint32_t, 256> counts{};
  std::array<uint64_t, 4> present{};  // which bytes occur: the sum visits only those, in byte order
  for (unsigned char c : s) {
    ++counts[c];
    present[c >> 6] |= uint64_t{1} << (c & 63);
  }
  double h = 0.0;
  const double n = static_cast<double>(s.size());
  for (size_t w = 0; w < present.size(); ++w)
    for (uint64_t bits = present[w]; bits; bits &= bits - 1) {
      double p = counts[w * 64 + static_cast<size_t>(std::countr_zero(bits))] / n;
      h -= p * std::log2(p);
    }
  return h;
}

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 if it is not valid (overlongs, surrogates and
// code points past U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (n == 3 && c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (n == 3 && c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (n == 4 && c == 0xF4 && b(1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}
}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Fast path: ASCII 32 bytes at a time (every text file is checked whole, and most are ASCII
    // throughout; the four words' OR compiles to vector loads), then 8. Each step goes back to the
    // loop's test: a view's end is not the end of its buffer.
    if (i + 32 <= s.size()) {
      uint64_t w[4];
      std::memcpy(w, s.data() + i, 32);
      if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) == 0) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t n = utf8_sequence_length(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

std::string printable_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 1 && ((c < 0x20 && c != '\t') || c == 0x7F)) {
      out += '.';
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

namespace {
// C1 controls (U+0080-U+009F) move a terminal like C0 ones; the bidirectional embeddings,
// overrides and isolates (U+202A-U+202E, U+2066-U+2069) make a name read as another.
bool is_invisible_control(std::string_view seq) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(seq[k]); };
  if (seq.size() == 2) return b(0) == 0xC2 && b(1) <= 0x9F;
  if (seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x80) return b(2) >= 0xAA && b(2) <= 0xAE;
  if (seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x81) return b(2) >= 0xA6 && b(2) <= 0xA9;
  return false;
}
}  // namespace

std::string printable_name(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size());
  auto escape = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  };
  size_t i = 0;
  while (i < raw.size()) {
    size_t n = utf8_sequence_length(raw, i);
    std::string_view seq = raw.substr(i, n ? n : 1);
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F)) || is_invisible_control(seq)) escape(seq);
    else out.append(seq);
    i += seq.size();
  }
  return out;
}

}  // namespace keysweep
