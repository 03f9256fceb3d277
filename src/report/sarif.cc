// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. One run; the driver lists one
// reportingDescriptor per rule that produced a result. GitHub needs, per result, a relative URI of
// a file in the checkout and a region with at least startLine, and uses partialFingerprints to
// keep an alert the same across runs, so every result carries all three. Findings hidden by a
// baseline, an allow comment, an ignore file or an allowlist are results too, with `suppressions`.
#include <filesystem>
#include <map>
#include <ostream>
#include <system_error>

#include "core/percent_encode.h"
#include "core/secret.h"
#include "report/finding_json.h"
#include "report/reporters.h"
#include "report/risk_order.h"

namespace keysweep {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
// Where a SARIF viewer sends a user who wants to know what "keysweep" is.
constexpr const char* kInformationUri = "https://github.com/keysweep/keysweep";
constexpr const char* kGenericRemediation =
    "Revoke or rotate this credential at the provider, remove it from the code and its history, "
    "and load it at run time from a secret store instead.";

// GitHub code scanning ranks security alerts by `security-severity` (9.0+ critical, 7.0-8.9
// high, 4.0-6.9 medium, below low); `level` is what other viewers show. Both follow the
// finding's severity (core/risk.h), as every other format does.
const char* level_for(Risk r) {
  return r >= Risk::kHigh ? "error" : r == Risk::kMedium ? "warning" : "note";
}

const char* security_severity_for(Risk r) {
  switch (r) {
    case Risk::kCritical: return "9.5";
    case Risk::kHigh: return "8.0";
    case Risk::kMedium: return "5.5";
    case Risk::kLow: return "3.0";
    case Risk::kInfo: return "0.0";
  }
  return "5.5";
}

bool is_web_uri(std::string_view s) {
  return s.starts_with("https://") || s.starts_with("http://");
}

class SarifReporter final : public Reporter {
 public:
  SarifReporter(std::ostream& out, const ReportOptions& o) : out_(out), opts_(o) {
    std::error_code ec;
    cwd_ = fs::current_path(ec);
    if (ec) cwd_.clear();
    base_ = o.base_dir.empty() ? cwd_ : absolute_normal(o.base_dir);
  }

  void finding(const Finding& f, const Rule* rule) override {
    if (!rules_.contains(f.rule_id)) rules_.emplace(f.rule_id, rule_descriptor(f, rule));
    results_.emplace_back(f.rule_id, result(f, rule));
    verified_.add(f);
    ++reported_;
  }

  // A hidden finding stays in the log as a result with `suppressions`, so a viewer (GitHub code
  // scanning) shows it as dismissed rather than silently gone.
  void suppressed(const Finding& f, const Rule* rule, const Suppression& why) override {
    if (!rules_.contains(f.rule_id)) rules_.emplace(f.rule_id, rule_descriptor(f, rule));
    Json r = result(f, rule);
    Json sup;
    sup["kind"] = why.in_source() ? "inSource" : "external";
    sup["status"] = "accepted";
    sup["justification"] = json_text(why.justification);
    sup["properties"]["mechanism"] = why.mechanism;
    if (!why.source.empty()) sup["properties"]["source"] = json_text(why.source);
    r["suppressions"] = Json::array({std::move(sup)});
    results_.emplace_back(f.rule_id, std::move(r));
  }

  void end(const ScanSummary& s) override {
    Json rules = Json::array();
    std::map<std::string, size_t> index;
    for (auto& [id, descriptor] : rules_) {
      index[id] = rules.size();
      // A rule's default is its worst result's: code scanning shows the rule's security-severity.
      descriptor["defaultConfiguration"]["level"] = level_for(worst_.at(id));
      descriptor["properties"]["security-severity"] = security_severity_for(worst_.at(id));
      rules.push_back(std::move(descriptor));
    }
    Json results = Json::array();
    for (auto& [rule_id, r] : results_) {
      r["ruleIndex"] = index[rule_id];
      results.push_back(std::move(r));
    }

    Json driver;
    driver["name"] = "keysweep";
    if (!opts_.tool_version.empty()) driver["version"] = json_text(opts_.tool_version);
    driver["informationUri"] = kInformationUri;
    driver["rules"] = std::move(rules);

    Json notifications = Json::array();
    for (const auto& d : s.diagnostics) {
      Json n;
      n["level"] = d.severity == Severity::kError ? "error" : "warning";
      n["message"]["text"] = json_text(d.to_string());
      n["properties"]["kind"] = diagnostic_kind_name(d.kind);
      notifications.push_back(std::move(n));
    }
    Json invocation;
    invocation["executionSuccessful"] = !s.had_errors();
    invocation["toolExecutionNotifications"] = std::move(notifications);

    Json summary = summary_json(s, reported_);
    summary.erase("diagnostics");  // already above, as notifications

    Json run;
    run["tool"]["driver"] = std::move(driver);
    run["invocations"] = Json::array({std::move(invocation)});
    run["columnKind"] = "unicodeCodePoints";
    if (opts_.git && !opts_.git_repository_uri.empty()) {
      Json vcs;
      vcs["repositoryUri"] = json_text(opts_.git_repository_uri);
      if (!opts_.git_revision.empty()) vcs["revisionId"] = opts_.git_revision;
      if (!opts_.git_branch.empty()) vcs["branch"] = json_text(opts_.git_branch);
      run["versionControlProvenance"] = Json::array({std::move(vcs)});
    }
    run["results"] = std::move(results);
    run["properties"]["summary"] = std::move(summary);
    // With an endpoint override the verification results came from a test server; a consumer of
    // the log must be able to tell.
    if (opts_.verification)
      run["properties"]["verification"] = verification_run_json(verified_, opts_);

    Json log;
    log["$schema"] = kSchemaUri;
    log["version"] = "2.1.0";
    log["runs"] = Json::array({std::move(run)});
    out_ << dump_json(log, 2) << '\n';
  }

 private:
  fs::path absolute_normal(const fs::path& p) const {
    return (p.is_absolute() || cwd_.empty() ? p : cwd_ / p).lexically_normal();
  }

  // The file on disk as GitHub expects it: relative to the checkout (the current directory) with
  // forward slashes; a file outside it becomes an absolute file:// URI.
  std::string artifact_uri(const std::string& path) const {
    if (path.empty()) return ".";
    fs::path abs = absolute_normal(path);
    if (!base_.empty() && abs.is_absolute()) {
      fs::path rel = abs.lexically_relative(base_);
      if (!rel.empty() && *rel.begin() != ".." && rel != ".")
        return percent_encode(rel.generic_string(), true);
      return "file://" + percent_encode(abs.generic_string(), true);
    }
    std::string generic = abs.generic_string();
    if (generic.starts_with("./")) generic.erase(0, 2);
    return percent_encode(generic, true);
  }

  Json rule_descriptor(const Finding& f, const Rule* rule) const {
    const std::string& name = rule ? rule->name : f.rule_name;
    std::string remediation =
        rule && !rule->remediation.empty() ? rule->remediation : kGenericRemediation;
    std::string help_uri;
    std::string markdown = remediation;
    if (rule) {
      for (const auto& ref : rule->references) {
        if (!is_web_uri(ref)) continue;
        markdown += help_uri.empty() ? "\n\nReferences:\n" : "\n";
        markdown += "- <" + ref + ">";
        if (help_uri.empty()) help_uri = ref;
      }
    }
    Json d;
    d["id"] = f.rule_id;
    d["name"] = json_text(name);
    d["shortDescription"]["text"] = json_text(name);
    d["fullDescription"]["text"] = json_text(name + " (" + f.provider + "). " + remediation);
    d["defaultConfiguration"]["level"] = "";  // its results' worst, set in end()
    if (!help_uri.empty()) d["helpUri"] = json_text(help_uri);
    d["help"]["text"] = json_text(remediation);
    d["help"]["markdown"] = json_text(markdown);
    d["properties"]["tags"] = Json::array({"security", "secret"});
    d["properties"]["precision"] = confidence_name(f.confidence);
    d["properties"]["security-severity"] = "";  // likewise
    return d;
  }

  Json result(const Finding& f, const Rule* rule) {
    const RiskAssessment risk = finding_risk(f, rule);
    auto [worst, added] = worst_.emplace(f.rule_id, risk.severity);
    if (!added) worst->second = std::max(worst->second, risk.severity);
    const Location& loc = f.location;
    const bool nested = loc.chain.size() > 1;
    std::string text = f.rule_name + ": " + (opts_.show_secrets ? f.secret : f.redacted);
    if (nested) text += " in " + loc.display_path();
    if (!loc.git.empty())
      text += loc.git.staged ? std::string(" (staged)") : " (commit " + loc.git.short_commit() + ")";
    if (!loc.symbol.empty()) text += " (" + loc.symbol + ")";
    if (!loc.decoders.empty()) text += " (decoded: " + decoder_list(loc.decoders, " > ") + ")";
    if (opts_.verification && f.verification.status != Verification::Status::kNotChecked) {
      text += std::string(" [verified ") + verification_status_name(f.verification.status);
      if (!f.verification.identity.empty()) text += ": " + f.verification.identity;
      text += "]";
    }

    Json physical;
    // A git path is already relative to the repository root, as code scanning wants it.
    physical["artifactLocation"]["uri"] =
        !loc.git.empty() ? json_text(percent_encode(loc.git.path, true))
                         : json_text(artifact_uri(loc.chain.empty() ? std::string() : loc.chain.front()));
    // Lines count in the innermost blob; they only address the artifact when that is the file
    // itself. GitHub requires a startLine, so a finding inside a container points at line 1 of
    // the container and says where inside it in the message and the logical location.
    if (!nested && loc.line > 0) {
      physical["region"]["startLine"] = loc.line;
      if (loc.column > 0) physical["region"]["startColumn"] = loc.column;
    } else {
      physical["region"]["startLine"] = 1;
    }
    Json location;
    location["physicalLocation"] = std::move(physical);
    Json logical = Json::array();
    if (nested) {
      Json entry;
      entry["name"] = json_text(loc.chain.back());
      entry["fullyQualifiedName"] = json_text(loc.display_path());
      entry["kind"] = "resource";
      logical.push_back(std::move(entry));
    }
    if (!loc.symbol.empty()) {
      Json entry;
      entry["fullyQualifiedName"] = json_text(loc.symbol);
      entry["kind"] = "member";
      logical.push_back(std::move(entry));
    }
    if (!logical.empty()) location["logicalLocations"] = std::move(logical);

    Json r;
    r["ruleId"] = f.rule_id;
    r["ruleIndex"] = 0;  // set in end(), once the rules are known and ordered
    r["level"] = level_for(risk.severity);
    // Code-scanning UIs show the message as text: the names in it (paths, symbols, an identity a
    // server answered) are escaped, while the structured fields keep them exact.
    r["message"]["text"] = printable_name(text);
    r["locations"] = Json::array({std::move(location)});
    r["partialFingerprints"]["keysweep/v1"] = f.fingerprint;
    Json props;
    props["provider"] = f.provider;
    props["confidence"] = confidence_name(f.confidence);
    props["severity"] = risk_name(risk.severity);
    props["why"] = risk.why();
    props["security-severity"] = security_severity_for(risk.severity);
    if (opts_.show_secrets) props["secret"] = json_text(f.secret);
    props["redacted"] = json_text(f.redacted);
    props[std::string(secret_hash_field(f.secret_hash_keyed))] = f.secret_sha256;
    props["fingerprint"] = f.fingerprint;
    props["display_path"] = json_text(loc.display_path());
    props["snippet"] = json_text(opts_.show_secrets ? f.snippet_clear : f.snippet);
    if (!f.app.empty()) props["app"] = app_json(f.app);
    if (!loc.git.empty()) props["git"] = git_json(loc.git);
    if (!loc.decoders.empty()) props["decoders"] = loc.decoders;
    if (opts_.verification) props["verification"] = verification_json(f.verification);
    r["properties"] = std::move(props);
    return r;
  }

  std::ostream& out_;
  ReportOptions opts_;
  fs::path cwd_;
  fs::path base_;
  std::map<std::string, Json> rules_;  // by id: a stable order for rules and ruleIndex
  std::map<std::string, Risk> worst_;  // by rule id: the worst severity of its results
  std::vector<std::pair<std::string, Json>> results_;
  VerificationCounts verified_;
  uint64_t reported_ = 0;  // results without suppressions
};

}  // namespace

std::unique_ptr<Reporter> make_sarif_reporter(std::ostream& out, const ReportOptions& o) {
  return std::make_unique<SarifReporter>(out, o);
}

}  // namespace keysweep
