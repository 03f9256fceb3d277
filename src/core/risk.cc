#include "core/risk.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/app_restricted_key.h"

namespace keysweep {

namespace {

constexpr const char* kGrantsNames[] = {"public-config", "identifier", "read-only", "scoped-write",
                                        "full-account"};
constexpr const char* kRiskNames[] = {"info", "low", "medium", "high", "critical"};

Risk raise(Risk r, int by) {
  int v = std::clamp(static_cast<int>(r) + by, static_cast<int>(Risk::kLow),
                     static_cast<int>(Risk::kCritical));
  return static_cast<Risk>(v);
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

const char* grants_name(Grants g) { return kGrantsNames[static_cast<int>(g)]; }

std::optional<Grants> parse_grants(std::string_view name) {
  for (int i = 0; i < 5; ++i)
    if (name == kGrantsNames[i]) return static_cast<Grants>(i);
  return std::nullopt;
}

const std::vector<std::string>& grants_names() {
  static const std::vector<std::string> names(std::begin(kGrantsNames), std::end(kGrantsNames));
  return names;
}

const char* risk_name(Risk r) { return kRiskNames[static_cast<int>(r)]; }

std::optional<Risk> parse_risk(std::string_view name) {
  for (int i = 0; i < 5; ++i)
    if (name == kRiskNames[i]) return static_cast<Risk>(i);
  return std::nullopt;
}

const std::vector<std::string>& risk_names() {
  static const std::vector<std::string> names(std::begin(kRiskNames), std::end(kRiskNames));
  return names;
}

std::optional<Confidence> parse_confidence(std::string_view name) {
  for (Confidence c : {Confidence::kLow, Confidence::kMedium, Confidence::kHigh})
    if (name == confidence_name(c)) return c;
  return std::nullopt;
}

const std::vector<std::string>& confidence_names() {
  static const std::vector<std::string> names{confidence_name(Confidence::kLow),
                                              confidence_name(Confidence::kMedium),
                                              confidence_name(Confidence::kHigh)};
  return names;
}

int verification_rank(Verification::Status s) {
  switch (s) {
    case Verification::Status::kLive: return 3;
    case Verification::Status::kUnknown: return 2;
    case Verification::Status::kNotChecked: return 1;
    case Verification::Status::kRevoked: return 0;
  }
  return 1;
}

Verification::Status parse_verification_status(std::string_view name) {
  if (name == "live") return Verification::Status::kLive;
  if (name == "revoked") return Verification::Status::kRevoked;
  if (name == "unknown") return Verification::Status::kUnknown;
  return Verification::Status::kNotChecked;
}

bool wide_reach(const Reach& r) {
  return r.publishers >= 2 || r.signers >= 2 || r.apps >= 10 ||
         (r.installs && *r.installs >= 1'000'000);
}

std::string RiskAssessment::why() const {
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
  return out;
}

std::string provider_display_name(std::string_view provider) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"aws", "AWS"},           {"github", "GitHub"},       {"gitlab", "GitLab"},
      {"openai", "OpenAI"},     {"sendgrid", "SendGrid"},   {"npm", "npm"},
      {"pypi", "PyPI"},         {"digitalocean", "DigitalOcean"}, {"paypal", "PayPal"},
      {"huggingface", "Hugging Face"}, {"newrelic", "New Relic"}, {"pagerduty", "PagerDuty"},
      {"hubspot", "HubSpot"},   {"ibm", "IBM"},             {"jwt", "JWT"},
      {"http", "HTTP"},         {"url", "URL"},             {"nats", "NATS"},
      {"microsoft_teams", "Microsoft Teams"}, {"rubygems", "RubyGems"}, {"nuget", "NuGet"},
      {"sonarqube", "SonarQube"}, {"truenas", "TrueNAS"},  {"vmware", "VMware"},
      {"privatekey", "private key"}, {"generic", "generic"}, {"database", "database"},
  };
  for (const auto& [id, name] : kNames)
    if (provider == id) return std::string(name);
  std::string out(provider);
  for (char& c : out)
    if (c == '_') c = ' ';
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string short_count(int64_t n) {
  char buf[32];
  double v = static_cast<double>(n);
  if (n >= 1'000'000'000) std::snprintf(buf, sizeof buf, "%.1fB", v / 1e9);
  else if (n >= 1'000'000) std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (n >= 10'000) std::snprintf(buf, sizeof buf, "%.0fK", v / 1e3);
  else if (n >= 1'000) std::snprintf(buf, sizeof buf, "%.1fK", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  std::string s = buf;
  // "1.0M" reads better as "1M".
  if (auto dot = s.find(".0"); dot != std::string::npos && dot + 3 == s.size()) s.erase(dot, 2);
  return s;
}

RiskAssessment assess_risk(Grants grants, Confidence confidence, Verification::Status status,
                           const Reach& reach, std::string_view provider,
                           std::string_view grants_reason) {
  RiskAssessment a;
  const std::string p = provider_display_name(provider);
  if (!grants_reason.empty()) a.reasons.emplace_back(grants_reason);
  else switch (grants) {
    case Grants::kFullAccount:
      a.reasons.push_back(provider == "generic"      ? std::string("full access to an unnamed account")
                          : provider == "privatekey" ? std::string("private key: full access")
                                                     : "full " + p + " account");
      break;
    case Grants::kScopedWrite: a.reasons.push_back("scoped " + p + " access"); break;
    case Grants::kReadOnly: a.reasons.push_back("read-only " + p + " access"); break;
    case Grants::kIdentifier: a.reasons.push_back(p + " identifier only"); break;
    case Grants::kPublicConfig: a.reasons.push_back("public " + p + " configuration"); break;
  }
  if (reach.publishers >= 2) a.reasons.push_back(plural(reach.publishers, "publisher", "publishers"));
  else if (reach.signers >= 2) a.reasons.push_back(plural(reach.signers, "signer", "signers"));
  if (reach.apps >= 1) a.reasons.push_back(plural(reach.apps, "app", "apps"));
  if (reach.installs && *reach.installs > 0) a.reasons.push_back(short_count(*reach.installs) + " installs");
  switch (status) {
    case Verification::Status::kLive: a.reasons.push_back("live"); break;
    case Verification::Status::kRevoked: a.reasons.push_back("revoked"); break;
    case Verification::Status::kUnknown: a.reasons.push_back("verification unknown"); break;
    case Verification::Status::kNotChecked: a.reasons.push_back("not checked"); break;
  }
  if (confidence == Confidence::kLow) a.reasons.push_back("low confidence");

  if (grants == Grants::kPublicConfig) {
    a.severity = Risk::kInfo;
    return a;
  }
  if (grants == Grants::kIdentifier || status == Verification::Status::kRevoked) {
    a.severity = Risk::kLow;
    return a;
  }
  Risk base = grants == Grants::kFullAccount   ? Risk::kHigh
              : grants == Grants::kScopedWrite ? Risk::kMedium
                                               : Risk::kLow;
  int by = 0;
  if (status == Verification::Status::kLive) ++by;
  if (wide_reach(reach)) ++by;
  if (confidence == Confidence::kLow) --by;
  a.severity = raise(base, by);
  return a;
}

RiskAssessment assess_finding_risk(const Finding& f, Grants rule_grants) {
  Reach reach;
  if (!f.app.empty()) {
    reach.apps = 1;
    reach.signers = f.app.signer_sha256.empty() ? 0 : 1;
  }
  const KeyRestriction restriction =
      key_restriction(f.rule_id, f.location.symbol, f.snippet, f.verification.detail);
  return assess_risk(grants_with(rule_grants, restriction), f.confidence, f.verification.status,
                     reach, f.provider, key_restriction_reason(restriction));
}

}  // namespace keysweep
