// The fleet report for a terminal (report --format human) and for spreadsheets (--format csv).
#include <algorithm>
#include <cctype>
#include <span>
#include <sstream>

#include "core/csv.h"
#include "core/secret.h"
#include "core/text_wrap.h"
#include "fleet/fleet_output.h"

namespace keysweep::fleet {

namespace {

// Apps and locations a terminal block shows per credential; the JSON, CSV and HTML list all.
constexpr size_t kAppsShown = 8;
constexpr size_t kLocationsShown = 3;

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return with_commas(static_cast<int64_t>(n)) + " " + (n == 1 ? one : many);
}

// Every string printed in this report that came from a scanned file (a path, a symbol, an app id,
// a publisher from metadata) is escaped with printable_name: a name holding ESC or a newline must
// not drive the terminal or forge a line. Lists are names, so join escapes each.
std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + printable_name(i);
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "classes2.dex!strings (com.example.Sender.send())", "assets/config.json:4", "the file itself"
std::string where(const ClusterLocation& l, bool with_input) {
  std::string file = l.file;
  if (with_input) file = l.file.empty() ? l.input : l.input + "!" + l.file;
  if (file.empty()) file = "(the input itself)";
  if (l.line) file += ":" + std::to_string(l.line);
  if (!l.symbol.empty()) file += " (" + l.symbol + ")";
  return printable_name(file);
}

// The counts, honest about what is not known: nothing checked is not "0 live", and no install
// counts is not "0 installs".
void summary_text(std::ostream& out, const FleetReport& r) {
  out << "  scanned:   " << plural(r.inputs, "input", "inputs") << " (" << plural(r.apps, "app", "apps")
      << "); " << plural(r.credentials, "credential", "credentials") << ", "
      << plural(r.configuration.size(), "configuration value", "configuration values")
      << " to review";
  if (!r.problems.empty()) out << "; " << plural(r.problems.size(), "input", "inputs") << " not fully read";
  out << '\n';
  const VerificationTally& v = r.verification;
  out << "  verified:  ";
  if (r.credentials == 0)
    out << "no credential to check\n";
  else if (v.checked() == 0)
    out << "nothing checked (0 of " << with_commas(static_cast<int64_t>(r.credentials))
        << "): not knowing is not \"0 live\" (keysweep scan --verify checks them)\n";
  else
    out << v.live << " live, " << v.revoked << " revoked, " << v.unknown << " unknown of "
        << v.checked() << " checked; " << v.not_checked << " not checked\n";
  if (r.credentials) {
    out << "  severity: ";
    for (Risk s : {Risk::kCritical, Risk::kHigh, Risk::kMedium, Risk::kLow}) {
      auto it = r.severities.find(s);
      out << ' ' << (it == r.severities.end() ? 0 : it->second) << ' ' << risk_name(s)
          << (s == Risk::kLow ? "\n" : ",");
    }
  }
  const UsersAtRisk& u = r.users_at_risk;
  out << "  installs:  ";
  if (u.any_apps == 0) out << "no app holds a credential\n";
  else if (u.any_apps_without_installs == u.any_apps)
    out << "not known: no metadata gives the install counts of the " << plural(u.any_apps, "app", "apps")
        << " holding credentials (keysweep report --metadata)\n";
  else
    out << with_commas(u.any) << " across " << plural(u.any_apps - u.any_apps_without_installs, "app", "apps")
        << " holding credentials"
        << (u.any_apps_without_installs
                ? " (" + plural(u.any_apps_without_installs, "app", "apps") + " without a count)"
                : std::string())
        << '\n';
  out << "  at risk:   ";
  if (r.credentials == 0) out << "no credential found\n";
  else if (v.checked() == 0) out << "not known: no credential was checked\n";
  else if (u.live_apps == 0) out << "no app holds a credential verified live\n";
  else if (u.live_apps_without_installs == u.live_apps)
    out << plural(u.live_apps, "app holds", "apps hold") << " credentials verified live; installs not known\n";
  else
    out << with_commas(u.live) << " installs of " << plural(u.live_apps, "app", "apps")
        << " holding credentials verified live\n";
  if (r.filter.active()) {
    out << "  hidden:    " << plural(r.hidden.clusters, "credential", "credentials") << " ("
        << plural(r.hidden.findings, "finding", "findings");
    for (const auto& [how, n] : r.hidden.findings_by) out << "; " << n << " by --" << how;
    out << ")\n";
  }
}

void cluster_text(std::ostream& out, const Cluster& c) {
  out << '#' << c.rank << "  " << upper(risk_name(c.severity)) << "  " << c.why() << '\n';
  const std::string pad = "    ";
  out << pad << c.rule_name << "  [" << c.rule_id << ", " << confidence_name(c.confidence)
      << " confidence]\n";
  out << pad << (c.public_by_design() ? "value:   " : "secret:  ") << c.redacted
      << (c.secret_hash_keyed ? "  hmac:" : "  sha256:") << c.secret_sha256.substr(0, 16) << '\n';
  for (size_t i = 0; i < c.parts.size(); ++i)
    out << pad << (i ? "         " : "parts:   ") << c.parts[i].role << ' ' << c.parts[i].redacted
        << "  (" << c.parts[i].rule_id << ")\n";
  // The apps most people use first: those are the ones to name when only a few fit.
  std::vector<const ClusterApp*> apps;
  for (const auto& a : c.apps) apps.push_back(&a);
  std::stable_sort(apps.begin(), apps.end(), [](const ClusterApp* x, const ClusterApp* y) {
    return x->installs.value_or(-1) > y->installs.value_or(-1);
  });
  for (size_t i = 0; i < apps.size() && i < kAppsShown; ++i) {
    const ClusterApp& a = *apps[i];
    out << pad << (i ? "         " : "apps:    ") << printable_name(a.app_id);
    if (!a.versions.empty()) out << ' ' << join(a.versions, ", ");
    for (const auto& s : a.signers) out << "  signer " << s.substr(0, 16);
    if (!a.publisher.empty()) out << "  publisher " << printable_name(a.publisher);
    if (a.installs) out << "  " << with_commas(*a.installs) << " installs";
    out << '\n';
    for (size_t k = 0; k < a.locations.size() && k < kLocationsShown; ++k)
      out << pad << "           " << where(a.locations[k], false) << '\n';
    if (a.locations.size() > kLocationsShown)
      out << pad << "           +" << a.locations.size() - kLocationsShown << " more places\n";
  }
  if (c.apps.size() > kAppsShown)
    out << pad << "         +" << plural(c.apps.size() - kAppsShown, "more app", "more apps")
        << " with fewer installs (the JSON, CSV and HTML list every one)\n";
  for (size_t k = 0; k < c.other_locations.size() && k < kLocationsShown; ++k)
    out << pad << (k ? "         " : c.apps.empty() ? "in:      " : "also in: ")
        << where(c.other_locations[k], true) << '\n';
  if (c.other_locations.size() > kLocationsShown)
    out << pad << "         +" << c.other_locations.size() - kLocationsShown << " more places\n";
  if (!c.holders.empty()) out << pad << "held by: " << join(c.holders, ", ") << '\n';
  if (!c.decoders.empty()) out << pad << "decoded: " << join(c.decoders, ", ") << '\n';
  if (!c.remediation.empty()) out << pad << "fix:     " << wrap_words(c.remediation, pad.size() + 9) << '\n';
  for (size_t i = 0; i < c.references.size(); ++i)
    out << pad << (i ? "         " : "refs:    ") << c.references[i] << '\n';
  out << '\n';
}

void publisher_text(std::ostream& out, const FleetReport& r, const PublisherView& v,
                    const OutputOptions& options) {
  out << printable_name(v.name) << "  (" << v.kind << "; " << plural(v.apps.size(), "app", "apps");
  if (v.apps_without_installs < v.apps.size()) out << ", " << with_commas(v.installs) << " installs";
  if (!v.clusters.empty()) out << "; worst: " << risk_name(v.worst);
  out << ")\n";
  for (const auto& a : v.apps) {
    out << "  app      " << printable_name(a.app_id);
    if (!a.versions.empty()) out << ' ' << join(a.versions, ", ");
    if (a.installs) out << "  " << with_commas(*a.installs) << " installs";
    out << '\n';
  }
  auto line = [&](const Cluster& c, const std::vector<std::string>& apps, const char* tag) {
    out << "  " << tag << " #" << c.rank << "  " << risk_name(c.severity) << "  " << c.rule_id << "  "
        << c.redacted << "  " << c.why() << "  in " << join(apps, ", ") << '\n';
  };
  const size_t n = listed_under_top(v.clusters.size(), options),
               m = listed_under_top(v.configuration.size(), options);
  for (size_t k = 0; k < n; ++k) line(r.clusters[v.clusters[k].first], v.clusters[k].second, "secret  ");
  if (n < v.clusters.size())
    out << "  and " << plural(v.clusters.size() - n, "more credential", "more credentials")
        << " (--top 0 lists all)\n";
  for (size_t k = 0; k < m; ++k)
    line(r.configuration[v.configuration[k].first], v.configuration[k].second, "config  ");
  if (m < v.configuration.size())
    out << "  and " << plural(v.configuration.size() - m, "more configuration value", "more configuration values")
        << " (--top 0 lists all)\n";
  out << '\n';
}

}  // namespace

std::string report_text(const FleetReport& r, const std::optional<ReportRun>& run,
                        const OutputOptions& options) {
  std::ostringstream out;
  out << "keysweep fleet report";
  if (run) out << " (" << run->datastore << ", " << run->generated_at << ")";
  out << '\n';
  if (!r.notice.empty()) out << "  notice:    " << r.notice << '\n';
  summary_text(out, r);
  out << '\n';
  auto limit = [&](size_t n) { return listed_under_top(n, options); };
  if (options.view == "publisher") {
    const size_t p = limit(r.publishers.size());
    out << "By publisher, worst first (" << r.publishers.size()
        << "; a signing certificate stands for the publisher when no metadata names one)\n\n";
    for (size_t k = 0; k < p; ++k) publisher_text(out, r, r.publishers[k], options);
    if (p < r.publishers.size())
      out << "and " << plural(r.publishers.size() - p, "more publisher", "more publishers")
          << " (--top 0 lists all)\n\n";
  } else {
    if (!r.clusters.empty()) {
      const size_t n = limit(r.clusters.size());
      out << "What to fix first: " << plural(r.clusters.size(), "credential", "credentials")
          << ", most urgent first";
      if (n < r.clusters.size()) out << " (the first " << n << "; --top 0 lists all)";
      out << "\n\n";
      for (size_t i = 0; i < n; ++i) cluster_text(out, r.clusters[i]);
    }
    if (!r.configuration.empty()) {
      const size_t n = limit(r.configuration.size());
      out << "Configuration to review: " << r.configuration.size()
          << " public-by-design value" << (r.configuration.size() == 1 ? "" : "s")
          << " (not leaks: check what protects them)\n\n";
      for (size_t i = 0; i < n; ++i) cluster_text(out, r.configuration[i]);
    }
  }
  if (!r.problems.empty()) {
    out << "Inputs not fully read (" << r.problems.size() << ")\n";
    for (const auto& p : r.problems)
      out << "  " << printable_name(p.path) << "  " << p.status << "  [" << join(p.kinds, ", ") << "] "
          << printable_name(p.reason) << '\n';
  }
  return out.str();
}

std::string report_csv(const FleetReport& r, const OutputOptions& options) {
  std::ostringstream out;
  const bool by_publisher = options.view == "publisher";
  std::vector<std::string> header = {
      "section",  "rank",        "severity",   "why",          "grants",     "provider",
      "rule_id",  "rule_name",   "redacted",   "secret_sha256", "parts",     "confidence",
      "verification", "app_count", "publisher_count", "signer_count", "app_package",
      "app_versions", "app_signers", "publisher", "app_installs", "app_store", "locations",
      "holders",  "decoders",    "remediation", "references"};
  if (by_publisher)
    header.insert(header.begin(), {"by_publisher", "by_publisher_kind", "by_publisher_id"});
  csv_row(out, header);

  auto rows = [&](const Cluster& c, const char* section, const std::vector<std::string>* only_apps,
                  const std::vector<std::string>& prefix) {
    std::vector<std::string> parts;
    for (const auto& p : c.parts) parts.push_back(p.role + " " + p.redacted + " (" + p.rule_id + ")");
    auto row = [&](const ClusterApp* a, const std::vector<ClusterLocation>& locs, bool with_input) {
      std::vector<std::string> where_list;
      for (const auto& l : locs) where_list.push_back(where(l, with_input));
      std::vector<std::string> f = prefix;
      f.insert(f.end(),
               {section, std::to_string(c.rank), risk_name(c.severity), c.why(), grants_name(c.grants),
                c.provider, c.rule_id, c.rule_name, c.redacted, secret_hash_text(c.secret_sha256, c.secret_hash_keyed), join(parts, "; "),
                confidence_name(c.confidence), c.verification, std::to_string(c.apps.size()),
                std::to_string(c.publishers.size()), std::to_string(c.signers.size()),
                a ? a->app_id : "", a ? join(a->versions, "; ") : "", a ? join(a->signers, "; ") : "",
                a ? a->publisher : "", a && a->installs ? std::to_string(*a->installs) : "",
                a ? a->store : "", join(where_list, "; "), join(c.holders, "; "),
                join(c.decoders, "; "), c.remediation, join(c.references, " ")});
      csv_row(out, f);
    };
    bool any = false;
    for (const auto& a : c.apps) {
      if (only_apps && std::find(only_apps->begin(), only_apps->end(), a.app_id) == only_apps->end())
        continue;
      row(&a, a.locations, false);
      any = true;
    }
    if (!only_apps && (!c.other_locations.empty() || !any)) row(nullptr, c.other_locations, true);
  };
  auto limit = [&](size_t n) { return listed_under_top(n, options); };
  if (by_publisher) {
    for (const auto& v : std::span(r.publishers).first(limit(r.publishers.size()))) {
      for (const auto& [i, apps] : std::span(v.clusters).first(limit(v.clusters.size())))
        rows(r.clusters[i], "credential", &apps, {v.name, v.kind, v.id});
      for (const auto& [i, apps] : std::span(v.configuration).first(limit(v.configuration.size())))
        rows(r.configuration[i], "configuration", &apps, {v.name, v.kind, v.id});
    }
  } else {
    for (size_t i = 0; i < limit(r.clusters.size()); ++i) rows(r.clusters[i], "credential", nullptr, {});
    for (size_t i = 0; i < limit(r.configuration.size()); ++i)
      rows(r.configuration[i], "configuration", nullptr, {});
  }
  return out.str();
}

}  // namespace keysweep::fleet
