#include "fleet/fleet_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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

struct ClusterBuild {
  Cluster c;
  std::set<std::string> inputs, signers, publishers, holders, decoders;
  std::set<std::pair<std::string, std::string>> versions;
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> apps;
};

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

FleetReport build_report(const FleetData& data) {
  FleetReport r;
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

  std::map<std::pair<std::string, std::string>, ClusterBuild> builds;  // (rule, secret hash)
  for (const auto& f : data.findings) {
    ++r.findings;
    auto& b = builds[{f.rule_id, f.secret_sha256}];
    Cluster& c = b.c;
    if (c.findings++ == 0) {
      c.rule_id = f.rule_id;
      c.rule_name = f.rule_name;
      c.provider = f.provider;
      c.secret_sha256 = f.secret_sha256;
      c.redacted = f.redacted;
      c.verification = f.verification;
    }
    if (status_rank(f.verification) > status_rank(c.verification)) c.verification = f.verification;
    b.inputs.insert(f.input_path);
    if (!f.decoders.empty()) b.decoders.insert(f.decoders);
    b.holders.insert(holder_of(f));
    if (!f.app.signer_sha256.empty()) b.signers.insert(f.app.signer_sha256);
    // Apps are counted by app id (package / bundle id); a finding outside any app counts only
    // as an input.
    if (f.app.package.empty()) continue;
    auto& app = b.apps[f.app.package];
    if (!f.app.version.empty()) app.first.insert(f.app.version);
    if (!f.app.signer_sha256.empty()) app.second.insert(f.app.signer_sha256);
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
    for (auto& [key, vs] : b.apps) {
      ClusterApp a;
      a.app_id = key;
      a.versions = sorted(vs.first);
      a.signers = sorted(vs.second);
      if (const AppMeta* m = meta_of(key)) {
        a.publisher = m->publisher;
        a.installs = m->installs;
        a.store = m->store;
      }
      if (a.installs) c.installs += *a.installs;
      else ++c.apps_without_installs;
      c.apps.push_back(std::move(a));
    }
    r.clusters.push_back(std::move(c));
  }
  std::sort(r.clusters.begin(), r.clusters.end(), [](const Cluster& a, const Cluster& b) {
    return std::make_tuple(-static_cast<int64_t>(a.apps.size()), -static_cast<int64_t>(a.findings),
                           std::cref(a.provider), std::cref(a.rule_id), std::cref(a.secret_sha256)) <
           std::make_tuple(-static_cast<int64_t>(b.apps.size()), -static_cast<int64_t>(b.findings),
                           std::cref(b.provider), std::cref(b.rule_id), std::cref(b.secret_sha256));
  });

  std::map<std::string, ProviderCount> providers;
  std::map<std::string, std::set<std::string>> provider_apps, provider_live_apps;
  std::map<std::string, HolderCount> holders;
  std::map<std::string, std::set<std::string>> holder_apps;
  std::set<std::string> live_apps, any_apps;
  for (const auto& c : r.clusters) {
    ++r.credentials;
    const bool live = c.verification == "live";
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
  return r;
}

}  // namespace keysweep::fleet
