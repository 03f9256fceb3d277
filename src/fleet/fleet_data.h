// What `keysweep report` reads from a datastore, as plain rows: every input, every top-level
// finding with the app it came from, and what a metadata CSV says about the apps. The report is
// built from this alone (fleet_report.h), so it can be tested without a database, and a second
// store implementation only has to fill these rows (store_reader.h does it for src/store).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/risk.h"
#include "keysweep/finding.h"

namespace keysweep::fleet {

// One top-level input (a file on disk) as the store recorded it.
struct InputRow {
  std::string path;
  uint64_t size = 0;
  std::string status;  // "ok", "partial" (some part did not parse or hit a limit), "error"
  std::string reason;  // the first diagnostic when not ok
  std::vector<std::string> diagnostic_kinds;  // "malformed", "limit", ... (sorted, unique)
  AppIdentity app;     // empty when the input is not an app
};

// One part of a pair (a Twilio Account SID beside its Auth Token), as stored: the report shows the
// parts (redacted) so a reader knows which account a pair is.
struct PartRow {
  std::string role;  // "id", "secret", ...
  std::string rule_id, redacted, symbol, chain;
  uint32_t line = 0;
};

// One top-level finding: a single credential, or a pair as one (its parts lend their code
// location: a pair found in an SDK's class is held by that SDK).
struct FindingRow {
  std::string input_path;  // the top-level input holding it
  std::string chain;       // '!'-joined provenance chain
  std::string rule_id, rule_name, provider;
  std::string secret_sha256;  // pairs: SHA-256 of the parts' hashes in role order
  bool secret_hash_keyed = false;  // secret_sha256 is an HMAC (Finding::secret_hash_keyed)
  std::string redacted;
  std::string symbol;
  std::string code_package;  // DEX code: the class's package ("com.twilio.sdk"); else ""
  std::string verification = "not_checked";  // not_checked | live | revoked | unknown
  std::string verification_detail;            // the provider's answer, in words
  AppIdentity app;
  std::string decoders;  // "base64>hex": the decodings that revealed it; "" when in clear
  Confidence confidence = Confidence::kMedium;
  uint32_t line = 0;     // 0 when the blob has no meaningful lines
  std::string snippet;   // redacted
  std::vector<PartRow> parts;  // a pair's parts in role order; empty for a single credential
};

// What the rules say about a rule id (the CLI fills it from the rules the binary knows and any
// --rules files): what the credential grants, and how to fix it.
struct RuleInfo {
  Grants grants = kDefaultGrants;
  std::string remediation;
  std::vector<std::string> references;
};

// What a metadata CSV says about one app id (package name / bundle id).
struct AppMeta {
  std::string publisher;
  std::optional<int64_t> installs;
  std::string store;
};

struct FleetData {
  std::vector<InputRow> inputs;
  std::vector<FindingRow> findings;
  std::map<std::string, AppMeta> metadata;  // by app id
  std::map<std::string, RuleInfo> rules;    // by rule id; a rule not in it gets the defaults
};

}  // namespace keysweep::fleet
