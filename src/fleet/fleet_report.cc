#include "fleet/fleet_report.h"

#include <fnmatch.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "core/app_restricted_key.h"

namespace keysweep::fleet {

namespace {

std::vector<std::string_view> labels(std::string_view package) {
  std::vector<std::string_view> out;
  while (!package.empty()) {
    auto dot = package.find('.');
    out.push_back(package.substr(0, dot));
    if (dot == std::string_view::npos) break;
    package.remove_prefix(dot + 1);
  }
  return out;
}

// Code belongs to the app when its package is the app's, or shares the app's first three labels
// (com.acme.shop.net in com.acme.shop.android): one organisation's code, one build.
bool same_organisation_code(std::string_view code, std::string_view app) {
  if (code == app || (code.starts_with(app) && code.size() > app.size() && code[app.size()] == '.'))
    return true;
  auto c = labels(code), a = labels(app);
  if (c.size() < 3 || a.size() < 3) return false;
  return std::equal(c.begin(), c.begin() + 3, a.begin());
}

std::string sdk_name(std::string_view code) {
  auto l = labels(code);
  std::string out;
  for (size_t i = 0; i < l.size() && i < 3; ++i) {
    if (i) out += '.';
    out += l[i];
  }
  return out;
}

// A file a fleet list calls an app but that scanned as plain bytes (random data named .apk) is
// as broken as one that failed to parse: the report lists it with the malformed ones.
bool named_like_an_app(std::string_view path) {
  for (std::string_view ext : {".apk", ".xapk", ".apks", ".aab", ".ipa"})
    if (path.size() > ext.size() && path.ends_with(ext)) return true;
  return false;
}

int status_rank(std::string_view s) {
  if (s == "live") return 3;
  if (s == "revoked") return 2;
  if (s == "unknown") return 1;
  return 0;
}

template <typename T>
std::vector<T> sorted(const std::set<T>& s) {
  return {s.begin(), s.end()};
}

struct LocationKey {
  std::string file, symbol;
  uint32_t line = 0;
  auto operator<=>(const LocationKey&) const = default;
};

struct AppBuild {
  std::set<std::string> versions, signers;
  std::map<LocationKey, std::pair<std::string, std::set<std::string>>> locations;  // snippet, versions
};

struct ClusterBuild {
  Cluster c;
  std::set<std::string> inputs, signers, publishers, holders, decoders;
  std::set<std::pair<std::string, std::string>> versions;
  std::map<std::string, AppBuild> apps;
  std::map<std::pair<std::string, LocationKey>, std::string> other_locations;  // (input, where)
  // A Google key is configuration to review when Google said it is bound to an app (a property
  // of the key: one answer is enough), or when every occurrence is where an SDK reads it (one
  // copy in code or a config file makes it a leak): core/app_restricted_key.h.
  bool verified_restricted = false, all_declared_for_app = true;
};

// The chain below the input: "a.apk!classes2.dex!strings" in "a.apk" -> "classes2.dex!strings";
// "" for the input itself.
std::string inside_input(const std::string& chain, const std::string& input) {
  if (chain == input) return {};
  if (chain.size() > input.size() && chain.starts_with(input) && chain[input.size()] == '!')
    return chain.substr(input.size() + 1);
  return chain;
}

template <typename MetaOf>
std::vector<PublisherView> publisher_views(const FleetReport& r, MetaOf meta_of) {
  // key: (kind, id)
  struct Build {
    PublisherView v;
    std::map<std::string, std::set<std::string>> apps;  // app id -> versions
    std::map<size_t, std::set<std::string>> clusters, configuration;
  };
  std::map<std::pair<std::string, std::string>, Build> builds;
  auto add = [&](const Cluster& c, size_t index, bool config) {
    for (const auto& a : c.apps) {
      std::vector<std::pair<std::string, std::string>> keys;
      if (!a.publisher.empty()) keys.push_back({"publisher", a.publisher});
      else
        for (const auto& s : a.signers) keys.push_back({"signer", s});
      if (keys.empty()) keys.push_back({"app", a.app_id});
      for (const auto& k : keys) {
        Build& b = builds[k];
        b.apps[a.app_id].insert(a.versions.begin(), a.versions.end());
        (config ? b.configuration : b.clusters)[index].insert(a.app_id);
      }
    }
  };
  for (size_t i = 0; i < r.clusters.size(); ++i) add(r.clusters[i], i, false);
  for (size_t i = 0; i < r.configuration.size(); ++i) add(r.configuration[i], i, true);

  std::vector<PublisherView> out;
  for (auto& [key, b] : builds) {
    PublisherView& v = b.v;
    v.kind = key.first;
    v.id = key.second;
    v.name = v.kind == "publisher" ? v.id
             : v.kind == "signer"  ? "signer " + v.id.substr(0, 16)
                                   : "app " + v.id;
    for (auto& [app_id, versions] : b.apps) {
      PublisherView::App a{app_id, sorted(versions), std::nullopt};
      if (const AppMeta* m = meta_of(app_id)) a.installs = m->installs;
      if (a.installs) v.installs += *a.installs;
      else ++v.apps_without_installs;
      v.apps.push_back(std::move(a));
    }
    for (auto& [i, apps] : b.clusters) {
      v.clusters.push_back({i, sorted(apps)});
      v.worst = std::max(v.worst, r.clusters[i].severity);
    }
    for (auto& [i, apps] : b.configuration) v.configuration.push_back({i, sorted(apps)});
    out.push_back(std::move(v));
  }
  // Worst first: the severity of its worst credential, then that credential's place in the risk
  // order, then how many it holds; then by kind and id, so the order is total.
  auto first = [](const PublisherView& v) {
    return v.clusters.empty() ? SIZE_MAX : v.clusters.front().first;
  };
  std::sort(out.begin(), out.end(), [&](const PublisherView& a, const PublisherView& b) {
    return std::make_tuple(-static_cast<int>(a.worst), first(a),
                           -static_cast<int64_t>(a.clusters.size()),
                           -static_cast<int64_t>(a.configuration.size()), std::cref(a.kind),
                           std::cref(a.id)) <
           std::make_tuple(-static_cast<int>(b.worst), first(b),
                           -static_cast<int64_t>(b.clusters.size()),
                           -static_cast<int64_t>(b.configuration.size()), std::cref(b.kind),
                           std::cref(b.id));
  });
  return out;
}

}  // namespace

std::string code_package_from(std::string_view chain, std::string_view symbol) {
  bool in_dex = false;
  for (std::string_view rest = chain; !rest.empty();) {
    auto bang = rest.find('!');
    std::string_view link = rest.substr(0, bang);
    if (link.ends_with(".dex")) in_dex = true;
    if (bang == std::string_view::npos) break;
    rest.remove_prefix(bang + 1);
  }
  if (!in_dex || symbol.empty() || symbol.starts_with("dex string")) return {};
  if (symbol.ends_with("()")) symbol.remove_suffix(2);
  auto member = symbol.rfind('.');
  if (member == std::string_view::npos) return {};
  std::string_view klass = symbol.substr(0, member);
  auto pkg = klass.rfind('.');
  return pkg == std::string_view::npos ? std::string() : std::string(klass.substr(0, pkg));
}

std::string holder_of(const FindingRow& f) {
  if (f.app.empty()) return "none";
  // Stored rows carry the package; derive it when a store left it empty.
  std::string code = f.code_package.empty() ? code_package_from(f.chain, f.symbol) : f.code_package;
  if (code.empty()) return "app";
  if (f.app.package.empty() || same_organisation_code(code, f.app.package)) return "app";
  return "sdk:" + sdk_name(code);
}

std::string Cluster::why() const {
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
  return out;
}

bool rule_disabled(const FindingRow& f, const std::vector<std::string>& globs) {
  auto disabled = [&](const std::string& id) {
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return fnmatch(g.c_str(), id.c_str(), 0) == 0; });
  };
  if (disabled(f.rule_id)) return true;
  return !f.parts.empty() &&
         std::all_of(f.parts.begin(), f.parts.end(), [&](const PartRow& p) { return disabled(p.rule_id); });
}

bool risk_before(const Cluster& a, const Cluster& b) {
  auto key = [](const Cluster& c) {
    return std::make_tuple(-static_cast<int>(c.severity),
                           -verification_rank(parse_verification_status(c.verification)),
                           -static_cast<int>(c.grants), -static_cast<int>(c.confidence),
                           -static_cast<int64_t>(c.publishers.size()),
                           -static_cast<int64_t>(c.signers.size()),
                           -static_cast<int64_t>(c.apps.size()), -c.installs,
                           -static_cast<int64_t>(c.findings), std::cref(c.provider),
                           std::cref(c.rule_id), std::cref(c.secret_sha256));
  };
  return key(a) < key(b);
}

FleetReport build_report(const FleetData& data, const ReportFilter& filter) {
  FleetReport r;
  r.filter = filter;
  std::set<std::string> all_apps;
  for (const auto& in : data.inputs) {
    ++r.inputs;
    r.bytes += in.size;
    if (!in.app.empty()) {
      ++r.app_inputs;
      if (!in.app.package.empty()) all_apps.insert(in.app.package);
    }
    if (in.status != "ok")
      r.problems.push_back({in.path, in.status, in.reason, in.diagnostic_kinds});
    else if (in.app.empty() && named_like_an_app(in.path))
      r.problems.push_back({in.path, "not-an-app",
                            "named like an app package, but no app identity was found in it "
                            "(not a zip, or no AndroidManifest.xml / Info.plist)",
                            {"not-an-app"}});
  }
  r.apps = all_apps.size();
  std::sort(r.problems.begin(), r.problems.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });

  auto meta_of = [&](const std::string& app_id) -> const AppMeta* {
    auto it = data.metadata.find(app_id);
    return it == data.metadata.end() ? nullptr : &it->second;
  };

  // Filters on findings first (a rule's findings, or those below a confidence), then on clusters
  // (severity, known only once a cluster is whole). Each counts what it left out.
  HiddenCounts& hidden = r.hidden;
  if (!filter.disabled_rules.empty()) hidden.findings_by["disable-rule"] += 0;
  if (filter.min_confidence) hidden.findings_by["min-confidence"] += 0;
  if (filter.min_severity) hidden.findings_by["min-severity"] += 0;
  std::set<std::pair<std::string, std::string>> every_cluster;

  std::map<std::pair<std::string, std::string>, ClusterBuild> builds;  // (rule, secret hash)
  for (const auto& f : data.findings) {
    every_cluster.insert({f.rule_id, f.secret_sha256});
    if (!filter.disabled_rules.empty() && rule_disabled(f, filter.disabled_rules)) {
      ++hidden.findings_by["disable-rule"];
      continue;
    }
    if (filter.min_confidence && f.confidence < *filter.min_confidence) {
      ++hidden.findings_by["min-confidence"];
      continue;
    }
    auto& b = builds[{f.rule_id, f.secret_sha256}];
    Cluster& c = b.c;
    if (c.findings++ == 0) {
      c.rule_id = f.rule_id;
      c.rule_name = f.rule_name;
      c.provider = f.provider;
      c.secret_sha256 = f.secret_sha256;
      c.secret_hash_keyed = f.secret_hash_keyed;
      c.redacted = f.redacted;
      c.verification = f.verification;
      c.confidence = f.confidence;
    }
    if (status_rank(f.verification) > status_rank(c.verification)) c.verification = f.verification;
    c.confidence = std::max(c.confidence, f.confidence);
    // The same secret under the same rule has the same parts: the first row that lists them.
    if (c.parts.empty())
      for (const auto& p : f.parts) c.parts.push_back({p.role, p.rule_id, p.redacted});
    switch (key_restriction(f.rule_id, f.symbol, f.snippet, f.verification_detail)) {
      case KeyRestriction::kVerifiedRestricted: b.verified_restricted = true; break;
      case KeyRestriction::kDeclaredForApp: break;
      case KeyRestriction::kNone: b.all_declared_for_app = false; break;
    }
    b.inputs.insert(f.input_path);
    if (!f.decoders.empty()) b.decoders.insert(f.decoders);
    b.holders.insert(holder_of(f));
    if (!f.app.signer_sha256.empty()) b.signers.insert(f.app.signer_sha256);
    LocationKey where{inside_input(f.chain, f.input_path), f.symbol, f.line};
    // Apps are counted by app id (package / bundle id); a finding outside any app counts only
    // as an input, and its location is listed apart.
    if (f.app.package.empty()) {
      auto& snip = b.other_locations[{f.input_path, where}];
      if (snip.empty() || f.snippet < snip) snip = f.snippet;
      continue;
    }
    auto& app = b.apps[f.app.package];
    if (!f.app.version.empty()) app.versions.insert(f.app.version);
    if (!f.app.signer_sha256.empty()) app.signers.insert(f.app.signer_sha256);
    auto& loc = app.locations[where];
    if (loc.first.empty() || f.snippet < loc.first) loc.first = f.snippet;
    if (!f.app.version.empty()) loc.second.insert(f.app.version);
    b.versions.insert({f.app.package, f.app.version});
    if (const AppMeta* m = meta_of(f.app.package); m && !m->publisher.empty())
      b.publishers.insert(m->publisher);
  }

  for (auto& [id, b] : builds) {
    Cluster& c = b.c;
    c.inputs = sorted(b.inputs);
    c.decoders = sorted(b.decoders);
    c.signers = sorted(b.signers);
    c.publishers = sorted(b.publishers);
    c.holders = sorted(b.holders);
    c.versions = b.versions.size();
    c.multiple_signers = c.signers.size() > 1;
    c.multiple_publishers = c.publishers.size() > 1;
    bool any_installs = false;
    for (auto& [key, ab] : b.apps) {
      ClusterApp a;
      a.app_id = key;
      a.versions = sorted(ab.versions);
      a.signers = sorted(ab.signers);
      if (const AppMeta* m = meta_of(key)) {
        a.publisher = m->publisher;
        a.installs = m->installs;
        a.store = m->store;
      }
      for (auto& [where, loc] : ab.locations)
        a.locations.push_back({"", where.file, where.symbol, where.line, loc.first, sorted(loc.second)});
      if (a.installs) {
        c.installs += *a.installs;
        any_installs = true;
      } else {
        ++c.apps_without_installs;
      }
      c.apps.push_back(std::move(a));
    }
    for (auto& [where, snippet] : b.other_locations)
      c.other_locations.push_back(
          {where.first, where.second.file, where.second.symbol, where.second.line, snippet, {}});

    // What it grants and how to fix it come from the rule of the secret part, for a pair.
    std::string rule_id = c.rule_id;
    for (const auto& p : c.parts)
      if (p.role == "secret") rule_id = p.rule_id;
    if (rule_id == c.rule_id && !c.parts.empty() && !data.rules.contains(rule_id))
      rule_id = c.parts.back().rule_id;
    if (auto it = data.rules.find(rule_id); it != data.rules.end()) {
      c.grants = it->second.grants;
      c.remediation = it->second.remediation;
      c.references = it->second.references;
    }
    const KeyRestriction restriction = b.verified_restricted    ? KeyRestriction::kVerifiedRestricted
                                       : b.all_declared_for_app ? KeyRestriction::kDeclaredForApp
                                                                : KeyRestriction::kNone;
    c.grants = grants_with(c.grants, restriction);
    Reach reach{c.apps.size(), c.signers.size(), c.publishers.size(),
                any_installs ? std::optional<int64_t>(c.installs) : std::nullopt};
    RiskAssessment risk =
        assess_risk(c.grants, c.confidence, parse_verification_status(c.verification), reach,
                    c.provider, key_restriction_reason(restriction));
    c.severity = risk.severity;
    c.reasons = std::move(risk.reasons);
    if (filter.min_severity && c.severity < *filter.min_severity) {
      hidden.findings_by["min-severity"] += c.findings;
      continue;
    }
    r.findings += c.findings;
    (c.public_by_design() ? r.configuration : r.clusters).push_back(std::move(c));
  }
  for (auto* list : {&r.clusters, &r.configuration}) {
    std::sort(list->begin(), list->end(), risk_before);
    for (size_t i = 0; i < list->size(); ++i) (*list)[i].rank = i + 1;
  }
  hidden.clusters = every_cluster.size() - r.clusters.size() - r.configuration.size();
  for (const auto& [how, n] : hidden.findings_by) hidden.findings += n;

  std::map<std::string, ProviderCount> providers;
  std::map<std::string, std::set<std::string>> provider_apps, provider_live_apps;
  std::map<std::string, HolderCount> holders;
  std::map<std::string, std::set<std::string>> holder_apps;
  std::set<std::string> live_apps, any_apps;
  for (const auto& c : r.clusters) {
    ++r.credentials;
    ++r.severities[c.severity];
    const bool live = c.verification == "live";
    switch (parse_verification_status(c.verification)) {
      case Verification::Status::kLive: ++r.verification.live; break;
      case Verification::Status::kRevoked: ++r.verification.revoked; break;
      case Verification::Status::kUnknown: ++r.verification.unknown; break;
      case Verification::Status::kNotChecked: ++r.verification.not_checked; break;
    }
    if (c.apps.size() > 1) ++r.reused_credentials;
    if (c.multiple_signers) ++r.multi_signer_credentials;
    if (live) ++r.live_credentials;
    auto& p = providers[c.provider];
    p.provider = c.provider;
    ++p.credentials;
    p.findings += c.findings;
    if (live) ++p.live_credentials;
    for (const auto& h : c.holders) {
      auto& hc = holders[h];
      hc.holder = h;
      ++hc.credentials;
    }
    for (const auto& a : c.apps) {
      provider_apps[c.provider].insert(a.app_id);
      any_apps.insert(a.app_id);
      for (const auto& h : c.holders) holder_apps[h].insert(a.app_id);
      if (live) {
        provider_live_apps[c.provider].insert(a.app_id);
        live_apps.insert(a.app_id);
      }
    }
  }
  for (auto& [name, p] : providers) {
    p.apps = provider_apps[name].size();
    p.live_apps = provider_live_apps[name].size();
    r.providers.push_back(p);
  }
  std::sort(r.providers.begin(), r.providers.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(-static_cast<int64_t>(a.credentials), std::cref(a.provider)) <
           std::make_tuple(-static_cast<int64_t>(b.credentials), std::cref(b.provider));
  });
  for (auto& [name, h] : holders) {
    h.apps = holder_apps[name].size();
    r.holders.push_back(h);
  }
  std::sort(r.holders.begin(), r.holders.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(-static_cast<int64_t>(a.apps), std::cref(a.holder)) <
           std::make_tuple(-static_cast<int64_t>(b.apps), std::cref(b.holder));
  });

  auto sum_installs = [&](const std::set<std::string>& apps, int64_t& total, uint64_t& count,
                          uint64_t& unknown) {
    count = apps.size();
    for (const auto& a : apps) {
      const AppMeta* m = meta_of(a);
      if (m && m->installs) total += *m->installs;
      else ++unknown;
    }
  };
  sum_installs(live_apps, r.users_at_risk.live, r.users_at_risk.live_apps,
               r.users_at_risk.live_apps_without_installs);
  sum_installs(any_apps, r.users_at_risk.any, r.users_at_risk.any_apps,
               r.users_at_risk.any_apps_without_installs);

  r.publishers = publisher_views(r, meta_of);

  if (r.inputs == 0)
    r.notice = "The datastore holds no scanned input: nothing to report yet (keysweep scan "
               "--datastore writes into it).";
  else if (r.clusters.empty() && r.configuration.empty())
    r.notice = r.hidden.clusters
                   ? "Every credential found is hidden by the filters (" +
                         std::to_string(r.hidden.clusters) + " left out)."
                   : "No credential was found in the " + std::to_string(r.inputs) +
                         " inputs scanned.";
  return r;
}

}  // namespace keysweep::fleet
