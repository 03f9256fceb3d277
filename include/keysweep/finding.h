// A finding: one credential (or one part of a multi-part credential) at one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keysweep {

enum class Confidence { kLow, kMedium, kHigh };
const char* confidence_name(Confidence c);

// Identity of the app package a finding came from (filled by the Android/iOS extractors).
struct AppIdentity {
  std::string platform;       // "android", "ios"
  std::string package;        // com.example.app / bundle id
  std::string version;
  std::string signer_sha256;  // signing certificate SHA-256, hex
  std::string team_id;        // iOS: the Apple developer team (provisioning profile's TeamIdentifier)
  bool empty() const { return platform.empty() && package.empty(); }
};

// Where in git history a finding comes from: the first commit (oldest, in topological order)
// that introduced the blob holding it, or the index (`scan --staged`: not committed yet).
struct GitOrigin {
  std::string commit;  // full hex id; empty when staged
  std::string author;  // "Name <email>"
  int64_t time = 0;    // author time, seconds since the epoch
  std::string path;    // repo-relative path of the blob in that commit (or in the index)
  bool staged = false;
  bool empty() const { return commit.empty() && !staged; }
  std::string short_commit() const { return commit.substr(0, 7); }
  // "abc1234:config/.env" (git's own <rev>:<path> syntax, so `git show` takes it as is);
  // "(staged):config/.env" for the index.
  std::string display() const { return (staged ? std::string("(staged)") : short_commit()) + ":" + path; }
  // Author time as "2026-01-02T03:04:05Z".
  std::string iso_time() const;
};

struct Location {
  // Provenance chain: the file on disk first, then each container entry inside it,
  // e.g. {"apps/nav.apk", "classes2.dex"}.
  std::vector<std::string> chain;
  // What inside the innermost blob holds the secret, when a parser knows it:
  // "com.example.sms.TwilioClient.send()", "@string/twilio_auth_token", "Info.plist:API_KEY".
  std::string symbol;
  uint64_t offset = 0;  // byte offset of the secret in the innermost blob
  uint32_t line = 0;    // 1-based; 0 when the blob has no meaningful lines
  uint32_t column = 0;  // 1-based, in Unicode code points
  // The decodings that revealed the secret, outermost first ({"base64", "percent"}); empty when it
  // is in the blob as written. A decoded secret's offset, line and column are where the outermost
  // encoded text starts (in a UTF-16 file: the secret's own).
  std::vector<std::string> decoders;
  // "apps/nav.apk!classes2.dex" — the chain joined with '!'.
  std::string display_path() const;
  GitOrigin git;  // filled when scanning git history
};

// The outcome of an opt-in live check (`scan --verify`) of a credential at its provider.
struct Verification {
  enum class Status { kNotChecked, kLive, kRevoked, kUnknown };
  Status status = Status::kNotChecked;
  std::string identity;  // who the credential acts as: account name, ARN, user
  std::string detail;    // why, in words (error text, HTTP status); never the secret
  std::string endpoint;  // the host that answered, e.g. "api.twilio.com"
};
// "not_checked", "live", "revoked", "unknown": the names every output format uses.
inline const char* verification_status_name(Verification::Status s) {
  switch (s) {
    case Verification::Status::kLive:
      return "live";
    case Verification::Status::kRevoked:
      return "revoked";
    case Verification::Status::kUnknown:
      return "unknown";
    case Verification::Status::kNotChecked:
      break;
  }
  return "not_checked";
}

// Why a finding is hidden from the report (the suppression stage: baselines, allow comments,
// ignore files, keysweep.toml allowlists). Reports that list hidden findings (SARIF, json/jsonl
// with --include-suppressed) say which mechanism hid each and on whose authority.
struct Suppression {
  std::string mechanism;      // "ignore-file", "allowlist", "allow-comment", "baseline"
  std::string source;         // the file that says so: ignore file, keysweep.toml, baseline, or
                              // (allow-comment) the scanned file holding the comment
  std::string justification;  // one sentence naming both, for a reviewer
  bool in_source() const { return mechanism == "allow-comment"; }
};

struct Finding {
  std::string rule_id;  // "twilio.auth_token"
  std::string rule_name;
  std::string provider;
  Confidence confidence = Confidence::kMedium;
  Location location;
  // The secret in clear. Kept in memory for pairing and verification only; every reporter prints
  // `redacted` instead unless the user passed --show-secrets.
  std::string secret;
  // The secret's hash, hex: its plain SHA-256, or when secret_hash_keyed its HMAC-SHA-256 under
  // the user's key (FindingOptions::secret_hash_key). Guessable secrets (passwords, anything under
  // 80 bits, core/secret.h) are keyed so that a shared report cannot be reversed by a dictionary;
  // the others stay plain so that "is this key anywhere in the fleet?" works with any tool.
  std::string secret_sha256;
  bool secret_hash_keyed = false;
  std::string redacted;       // "AKIA…MPLE"
  std::string fingerprint;    // stable id: sha256(rule, secret hash, location path+symbol)
  std::string snippet;        // the line around the secret, with the secret already redacted
  std::string snippet_clear;  // the same line unredacted (only filled with --show-secrets)
  // "keysweep:allow ..." when the secret's line carries that comment (the marker up to the end of
  // the line, bounded); the suppression stage decides which rules it names. Empty otherwise.
  std::string allow_comment;
  AppIdentity app;
  // A multi-part credential (rule_id is then the pair name, e.g. "twilio.account"): each part as
  // its own finding, in role order. Empty for single findings.
  std::vector<Finding> parts;
  std::string pair_role;  // this finding's role inside a pair ("id", "secret", ...), if any
  // Context rules (generic credentials found by name = value): why the scorer believed it, the
  // strongest signals first ("+the name says password", "-a test, fixture, mock or example file").
  std::vector<std::string> signals;
  bool from_context = false;  // found by a context rule (name = value, scored), not a provider format
  // Filled by `scan --verify` for findings whose rule (or pair) has a verifier.
  Verification verification;
  bool is_pair() const { return !parts.empty(); }
};

}  // namespace keysweep
