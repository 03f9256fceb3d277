#include "suppress/suppressor.h"

#include <fnmatch.h>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>

#include "core/secret.h"
#include "suppress/allow_comment.h"

namespace keysweep::suppress {

Suppressor::Suppressor(Suppressor&&) noexcept = default;
Suppressor& Suppressor::operator=(Suppressor&&) noexcept = default;
Suppressor::~Suppressor() = default;

Result<void> check_rule_globs(const std::vector<std::string>& globs, const RuleSet& rules) {
  for (const auto& glob : globs) {
    bool any = std::any_of(rules.rules.begin(), rules.rules.end(), [&](const Rule& r) {
      return fnmatch(glob.c_str(), r.id.c_str(), 0) == 0 ||
             (!r.pair.empty() && fnmatch(glob.c_str(), r.pair.c_str(), 0) == 0);
    });
    if (!any)
      return make_error(ErrorCode::kConfig,
                        "disabled rule '" + glob + "' matches no rule (see `keysweep rules list`)");
  }
  return {};
}

Result<Suppressor> Suppressor::create(SuppressionSettings settings, const RuleSet& rules) {
  Suppressor s;
  if (auto ok = check_rule_globs(settings.disabled_rules, rules); !ok) return std::unexpected(ok.error());
  for (const auto& pattern : settings.allow_regexes) {
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, o);
    if (!re->ok())
      return make_error(ErrorCode::kConfig,
                        "allowlist regex '" + pattern + "' does not compile: " + re->error());
    s.regexes_.push_back(std::move(re));
  }
  for (const Rule& r : rules.rules) {
    s.known_ids_.push_back(r.id);
    if (!r.pair.empty()) s.known_ids_.push_back(r.pair);
  }
  const std::string& root = settings.finding_root;
  for (const auto& f : settings.ignore_files)
    s.ignore_rel_.push_back(std::make_unique<RelativePaths>(f.base_dir, root));
  if (settings.allow_paths)
    s.allow_rel_ = std::make_unique<RelativePaths>(settings.allow_paths->base_dir, root);
  if (settings.gitleaks_ignore) {
    std::string dir = std::filesystem::path(settings.gitleaks_ignore_path).parent_path().string();
    s.gitleaks_rel_ = std::make_unique<RelativePaths>(dir.empty() ? "." : dir, root);
  }
  if (settings.baseline) s.baseline_rel_ = std::make_unique<RelativePaths>(settings.baseline_dir, root);
  s.s_ = std::move(settings);
  return s;
}

bool Suppressor::rule_disabled(const Finding& f) const {
  // A pair is a finding of its own, with its own id: disabling one half (say the noisy account-id
  // rule) leaves the pair reported; disable the pair by its id, or every part.
  auto disabled = [&](const std::string& id) {
    return std::any_of(s_.disabled_rules.begin(), s_.disabled_rules.end(),
                       [&](const std::string& g) { return fnmatch(g.c_str(), id.c_str(), 0) == 0; });
  };
  if (disabled(f.rule_id)) return true;
  return f.is_pair() && std::all_of(f.parts.begin(), f.parts.end(),
                                    [&](const Finding& p) { return disabled(p.rule_id); });
}

bool Suppressor::path_matches(PathPatterns& patterns, std::unique_ptr<RelativePaths>& rel,
                              const Finding& f) {
  // The file on disk is what paths name; entries inside a container go with their container.
  if (f.location.chain.empty()) return false;
  return patterns.list.ignored(rel->relative(f.location.chain.front()));
}

bool Suppressor::allowlisted(const Finding& f) {
  auto secret_allowed = [&](const Finding& x) {
    // The allowlist names plain SHA-256 digests (what `sha256sum` gives its author); a keyed
    // finding's own hash is an HMAC, so its plain digest is taken here, in memory only.
    // No allowlisted digests (the usual case): no digest to take.
    if (!s_.allow_sha256.empty()) {
      const std::string plain = x.secret_hash_keyed ? sha256_hex(x.secret) : x.secret_sha256;
      if (std::find(s_.allow_sha256.begin(), s_.allow_sha256.end(), plain) != s_.allow_sha256.end())
        return true;
    }
    for (const auto& re : regexes_)
      if (RE2::PartialMatch(x.secret, *re)) return true;
    return false;
  };
  if (s_.allow_paths && path_matches(*s_.allow_paths, allow_rel_, f)) return true;
  if (secret_allowed(f)) return true;
  // A credential with an allowlisted part (the test account's token) is allowlisted as a whole.
  return std::any_of(f.parts.begin(), f.parts.end(), secret_allowed);
}

const char* Suppressor::reason(const Finding& f) {
  auto s = suppression(f);
  return s ? mechanism_name(s->mechanism) : nullptr;
}

const char* Suppressor::mechanism_name(const std::string& m) {
  for (const char* k : {kRuleDisabled, kIgnoreFile, kAllowlist, kAllowComment, kBaseline})
    if (m == k) return k;
  return nullptr;
}

std::optional<Suppression> Suppressor::suppression(const Finding& f) {
  auto make = [](const char* mechanism, std::string source, std::string justification) {
    return Suppression{mechanism, std::move(source), std::move(justification)};
  };
  if (!s_.disabled_rules.empty() && rule_disabled(f))
    return make(kRuleDisabled, "", "rule " + f.rule_id + " is disabled");
  for (size_t i = 0; i < s_.ignore_files.size(); ++i)
    if (path_matches(s_.ignore_files[i], ignore_rel_[i], f)) {
      const std::string& src = s_.ignore_files[i].source;
      return make(kIgnoreFile, src, "path ignored by " + (src.empty() ? "an ignore file" : src));
    }
  if (s_.gitleaks_ignore) {
    const GitleaksFingerprint* hit = s_.gitleaks_ignore->match(f, *gitleaks_rel_);
    for (size_t i = 0; !hit && i < f.parts.size(); ++i)
      hit = s_.gitleaks_ignore->match(f.parts[i], *gitleaks_rel_);
    if (hit) {
      const std::string& src = s_.gitleaks_ignore_path;
      return make(kIgnoreFile, src,
                  "gitleaks fingerprint " + (hit->commit.empty() ? "" : hit->commit + ":") + hit->path +
                      ":" + hit->rule + ":" + std::to_string(hit->line) + " listed in " + src);
    }
  }
  if (allowlisted(f)) {
    const std::string& src = s_.config_path;
    return make(kAllowlist, src, "allowlisted in " + (src.empty() ? "the project config" : src));
  }
  if (s_.allow_comments) check_allow_comment_ids(f);
  if (s_.allow_comments && allowed_by_comment(f)) {
    // The comment of a pair may sit on either part's line; name the one that has it.
    const Finding* holder = &f;
    for (const auto& p : f.parts)
      if (holder->allow_comment.empty() && !p.allow_comment.empty()) holder = &p;
    std::string where = holder->location.display_path();
    if (holder->location.line) where += ":" + std::to_string(holder->location.line);
    std::string comment = holder->allow_comment.empty() ? "keysweep:allow" : holder->allow_comment;
    return make(kAllowComment, holder->location.display_path(),
                "allowed in source by '" + comment + "' at " + where);
  }
  if (s_.baseline && s_.baseline->covers(f, *baseline_rel_)) {
    const std::string& src = s_.baseline_path;
    return make(kBaseline, src, "known in baseline " + (src.empty() ? "file" : src));
  }
  return std::nullopt;
}

void Suppressor::check_allow_comment_ids(const Finding& f) {
  auto check = [&](const Finding& x) {
    if (x.allow_comment.empty()) return;
    AllowDirective d = parse_allow_comment(x.allow_comment);
    for (const auto& glob : d.rules) {
      bool known = std::any_of(known_ids_.begin(), known_ids_.end(), [&](const std::string& id) {
        return fnmatch(glob.c_str(), id.c_str(), 0) == 0;
      });
      if (known) continue;
      std::string where = x.location.display_path();
      if (x.location.line) where += ":" + std::to_string(x.location.line);
      if (!warned_.insert(where + '\n' + glob).second) continue;
      warnings_.push_back(where + ": allow comment names '" + glob +
                          "', which matches no rule (see `keysweep rules list`); it hides nothing");
    }
  };
  check(f);
  for (const auto& p : f.parts) check(p);
}

void Suppressor::apply(std::vector<Finding>& findings, std::map<std::string, uint64_t>& counts,
                       std::vector<SuppressedFinding>* hidden) {
  for (const char* k : {kRuleDisabled, kIgnoreFile, kAllowlist, kAllowComment, kBaseline})
    counts[k] += 0;
  std::vector<Finding> kept;
  kept.reserve(findings.size());
  for (auto& f : findings) {
    auto why = suppression(f);
    if (!why) {
      kept.push_back(std::move(f));
      continue;
    }
    ++counts[why->mechanism];
    if (hidden && why->mechanism != kRuleDisabled) hidden->push_back({std::move(f), std::move(*why)});
  }
  findings = std::move(kept);
}

}  // namespace keysweep::suppress
