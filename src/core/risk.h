// How urgent a credential is: what it grants (rule metadata, `grants` in rules/*.toml), how sure
// the finding is, whether the provider said it works, and how far it reached (apps, signing
// certificates, publishers, installs). `keysweep report` orders every cluster by it and says why
// ("full Twilio account; 2 publishers; 5 apps; live"); `scan --min-severity` filters on it.
// The model is documented in docs/FLEET.md ("Risk order").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keysweep/finding.h"

namespace keysweep {

// What a credential lets its holder do, from most to least (rules/*.toml `grants`).
enum class Grants {
  kPublicConfig,  // public by design: identifies a project, protected by server-side rules
  kIdentifier,    // names an account but grants nothing alone (an AWS key id, a Twilio SID)
  kReadOnly,      // reads data
  kScopedWrite,   // acts within limits: one channel, one API, restricted permissions (default)
  kFullAccount,   // everything the account can do
};
inline constexpr Grants kDefaultGrants = Grants::kScopedWrite;
// "public-config", "identifier", "read-only", "scoped-write", "full-account"
const char* grants_name(Grants g);
std::optional<Grants> parse_grants(std::string_view name);
const std::vector<std::string>& grants_names();

// Severity levels, lowest first.
enum class Risk { kInfo, kLow, kMedium, kHigh, kCritical };
// "info", "low", "medium", "high", "critical"
const char* risk_name(Risk r);
std::optional<Risk> parse_risk(std::string_view name);
const std::vector<std::string>& risk_names();

// "low", "medium", "high": what --min-confidence takes.
std::optional<Confidence> parse_confidence(std::string_view name);
const std::vector<std::string>& confidence_names();

// live > unknown > not checked > revoked: how much a status should worry a vetter.
int verification_rank(Verification::Status s);
Verification::Status parse_verification_status(std::string_view name);

// How far one credential reached. A single finding of a plain scan has apps <= 1 and nothing else.
struct Reach {
  uint64_t apps = 0, signers = 0, publishers = 0;
  std::optional<int64_t> installs;  // sum over the apps with a known count; nullopt: none known
};

// Reach that raises the severity one level: 2+ publishers, 2+ signing certificates, 10+ apps or
// 1,000,000+ installs.
bool wide_reach(const Reach& r);

struct RiskAssessment {
  Risk severity = Risk::kMedium;
  // The short reasons, most important first: {"full Twilio account", "2 publishers", "5 apps",
  // "live"}; why() joins them with "; ".
  std::vector<std::string> reasons;
  std::string why() const;
};

// `provider` is the rule's provider id ("twilio"); the reasons name it as people write it.
// `grants_reason`, when given, replaces the first reason (what the credential grants): a Google
// key the place shows is meant for the app says so (core/app_restricted_key.h).
RiskAssessment assess_risk(Grants grants, Confidence confidence, Verification::Status status,
                           const Reach& reach, std::string_view provider,
                           std::string_view grants_reason = {});

// One finding of a plain scan: its rule's grants (or, for a Google key where an SDK reads it or
// that Google says is bound to an app, public-config: core/app_restricted_key.h), its
// confidence and verification, and its app (if any) as its reach.
RiskAssessment assess_finding_risk(const Finding& f, Grants rule_grants);

// "Twilio", "AWS", "GitHub": a provider id as people write it.
std::string provider_display_name(std::string_view provider);

// 1234567 -> "1.2M", 5400 -> "5.4K", 900 -> "900".
std::string short_count(int64_t n);

}  // namespace keysweep
