// Hashing, redaction and fingerprints: everything that decides what of a secret leaves the process.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace keysweep {

std::string sha256_hex(std::string_view data);

// Bytes as lower-case hex, two digits each (digests, keys).
std::string hex_encode(std::string_view bytes);

// HMAC-SHA-256 of `data` under `key`, as hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Whether a dictionary or brute force could find the secret again from its plain SHA-256: fewer
// than 80 bits by its length and the alphabets its characters come from (lower case, upper case,
// digits, other printable ASCII, or 16 for hex digits alone; 8 bits for any other byte). `Winter2022` (60 bits), any value of
// 12 letters and digits (71 bits) are guessable; a 32-digit hex secret (128), a 40-character
// token (238) are not. Such secrets are hashed under a key instead (FindingOptions).
bool is_guessable_secret(std::string_view secret);

// How outputs name a secret's hash (Finding::secret_hash_keyed). Structured outputs (JSON, SARIF,
// the fleet JSON) use this field name: "secret_sha256" for a plain hash, "secret_hmac_sha256" for
// a keyed one, never both. Flat text (human, CSV cells) uses secret_hash_text: the hex alone, or
// "hmac-sha256:" before a keyed one, so that nobody looks the HMAC up as a SHA-256.
std::string_view secret_hash_field(bool keyed);
std::string secret_hash_text(std::string_view hash, bool keyed);

// SHA-256 of data given in pieces (a file read a window at a time): hex() of the pieces equals
// sha256_hex of them joined.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(std::string_view piece);
  std::string hex();  // once, after the last update

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

// "AKIA…MPLE": enough to recognise a credential, never enough to use it. Secrets of 12 characters
// or more keep 4 at each end; shorter ones keep at most a quarter of their length.
std::string redact_secret(std::string_view secret);

// Stable across runs and line moves: the rule, the secret's hash, and where (file chain + symbol).
std::string finding_fingerprint(std::string_view rule_id, std::string_view secret_sha256,
                                std::string_view location_path, std::string_view symbol);

// Shannon entropy in bits per byte.
double shannon_entropy(std::string_view s);

// Makes arbitrary bytes printable as valid UTF-8: invalid sequences become U+FFFD, control
// characters other than tab become '.', so a snippet from a binary file cannot break a terminal
// or a JSON document.
std::string printable_utf8(std::string_view bytes);
bool is_valid_utf8(std::string_view bytes);

// A name (a path, an archive entry, a symbol, an app id) made safe to print on one line of a
// terminal, a CSV cell or a report: valid UTF-8 is kept; control characters (C0 with tab and
// newline, DEL, C1), bidirectional overrides and bytes that are not UTF-8 become \xNN (each byte
// of the sequence), so a file named "\x1b[31m" cannot recolour a terminal and one holding a
// newline cannot forge a line of output. A literal backslash stays as it is.
std::string printable_name(std::string_view raw);

}  // namespace keysweep
