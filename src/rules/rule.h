// The rule model: one credential format, as declared in rules/<provider>.toml.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/risk.h"
#include "keysweep/error.h"
#include "keysweep/finding.h"

namespace keysweep {

struct Rule {
  std::string id;        // "twilio.auth_token": provider.kind, unique across all rule files
  std::string name;      // "Twilio Auth Token"
  std::string provider;  // "twilio"
  // The full pattern, in the common subset of Vectorscan and RE2 syntax. It carries its own keyword
  // context when the secret alone is too weak (32 hex characters), e.g.
  //   (?i)twilio[\w.-]{0,20}(?:token|secret)\W{0,6}([0-9a-f]{32})\b
  std::string pattern;
  int secret_group = 1;  // capture group that is the secret (0 = the whole match)
  // Words of which at least one must appear (case-insensitively) in the match or in the label of
  // the segment holding it (a resource name, a plist key). Documents and enforces the context a
  // weak pattern relies on.
  std::vector<std::string> keywords;
  double min_entropy = 0.0;          // Shannon entropy, bits per byte, of the secret
  std::vector<std::string> validators;  // names from validators.h, e.g. "crc32_base62", "jwt"
  Confidence confidence = Confidence::kMedium;
  uint32_t max_length = 512;  // longest match the rule can produce; bounds the confirm window
  // Multi-part credentials: parts with the same `pair` name found in one scope are joined.
  std::string pair;       // "twilio.account"
  std::string pair_role;  // "id" | "secret" | "token" ...
  // Empty: the pattern's secret group is the secret. "password" or "secret": the pattern is only a
  // keyword prefilter, and the context reader and scorer (src/context/) find and weigh each
  // `name = value` near its matches; the rule receives the candidates whose name (or syntax) is of
  // its class, each with its own confidence and signals.
  std::string context;
  // What the credential lets its holder do (docs/RULES.md): orders `keysweep report` by risk and
  // sets apart public-by-design configuration. Rules that leave it out get kDefaultGrants.
  Grants grants = kDefaultGrants;
  std::vector<std::string> positive_examples;
  std::vector<std::string> negative_examples;
  std::vector<std::string> references;
  std::string remediation;
  std::string source_file;  // rules/twilio.toml, for messages
  // Embedded in the binary (load_builtin_rules), so its pattern was checked by the test suite
  // when the binary was built; the matcher compiles such a rule's RE2 only when first needed.
  bool builtin = false;

  // Every field: a test compares the built-in rules with rules/*.toml parsed at run time, so a
  // field that embed_rules.cc does not carry fails it.
  bool operator==(const Rule&) const = default;
};

struct RuleSet {
  std::vector<Rule> rules;
  const Rule* find(std::string_view id) const;
};

// Rule files are TOML with an array of [[rules]] tables; see docs/RULES.md.
Result<std::vector<Rule>> parse_rule_file(std::string_view toml_text, std::string_view source_name);
// The rules compiled into the binary (rules/*.toml, parsed at build time; see builtin_rules.h).
Result<RuleSet> load_builtin_rules();
// Adds the rules of a file or of every *.toml in a directory; an id already present is replaced.
Result<void> load_rules_from_path(RuleSet& set, const std::string& path);
// Static checks that need no engine: unique ids, known validators, examples present, group exists.
Result<void> lint_rules(const RuleSet& set);

}  // namespace keysweep
