// Hashing, redaction and fingerprints: everything that decides what of a secret leaves the process.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace keysweep {

std::string sha256_hex(std::string_view data);

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
