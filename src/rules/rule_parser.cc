// Rule files are TOML; this is the one place that reads them, both at build time (embed_rules.cc
// turns rules/*.toml into the binary's built-in rules) and at run time (--rules files).
#include <sstream>

#include <toml++/toml.h>

#include "rules/rule.h"

namespace keysweep {

namespace {

std::vector<std::string> string_array(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* arr = t[key].as_array()) {
    for (const auto& v : *arr)
      if (auto s = v.value<std::string>()) out.push_back(*s);
  }
  return out;
}

Result<Confidence> confidence_from(std::string_view s) {
  if (s == "low") return Confidence::kLow;
  if (s == "medium") return Confidence::kMedium;
  if (s == "high") return Confidence::kHigh;
  return make_error(ErrorCode::kConfig, "confidence must be low, medium or high, not '" +
                                            std::string(s) + "'");
}

Result<Rule> parse_rule(const toml::table& t, std::string_view source) {
  Rule r;
  r.source_file = std::string(source);
  r.id = t["id"].value_or(std::string());
  auto fail = [&](std::string why) {
    return make_error(ErrorCode::kConfig,
                      "rule '" + (r.id.empty() ? std::string("?") : r.id) + "': " + why,
                      std::string(source));
  };
  r.name = t["name"].value_or(std::string());
  r.provider = t["provider"].value_or(std::string());
  r.pattern = t["pattern"].value_or(std::string());
  // Every required field that is missing, in one message: a rule written from scratch should not
  // take one run per forgotten field. (docs/RULES.md lists the same six.)
  std::string missing;
  for (const char* key : {"id", "name", "provider", "pattern", "positive_examples", "remediation"}) {
    const toml::node* n = t.get(key);
    bool empty = !n || (n->is_string() && n->value_or(std::string()).empty()) ||
                 (n->is_array() && n->as_array()->empty());
    if (empty) missing += (missing.empty() ? "" : ", ") + std::string(key);
  }
  if (!missing.empty()) {
    std::string where = t.source().begin.line
                            ? " (the [[rules]] table at line " + std::to_string(t.source().begin.line) + ")"
                            : "";
    return fail("missing required field" + std::string(missing.find(',') == std::string::npos ? "" : "s") +
                " " + missing + where);
  }
  r.secret_group = static_cast<int>(t["secret_group"].value_or(int64_t{1}));
  r.keywords = string_array(t, "keywords");
  r.min_entropy = t["min_entropy"].value_or(0.0);
  r.validators = string_array(t, "validators");
  auto conf = confidence_from(t["confidence"].value_or(std::string("medium")));
  if (!conf) return fail(conf.error().message);
  r.confidence = *conf;
  int64_t max_len = t["max_length"].value_or(int64_t{512});
  if (max_len < 8 || max_len > 65536) return fail("max_length must be between 8 and 65536");
  r.max_length = static_cast<uint32_t>(max_len);
  r.pair = t["pair"].value_or(std::string());
  r.pair_role = t["pair_role"].value_or(std::string());
  r.context = t["context"].value_or(std::string());
  if (!r.context.empty() && r.context != "password" && r.context != "secret")
    return fail("context must be \"password\" or \"secret\", not '" + r.context + "'");
  if (auto g = t["grants"]; g) {
    auto name = g.value<std::string>();
    auto parsed = name ? parse_grants(*name) : std::nullopt;
    if (!parsed) {
      std::string known;
      for (const auto& n : grants_names()) known += (known.empty() ? "" : ", ") + n;
      return fail("grants must be one of " + known + ", not '" + name.value_or("?") + "'");
    }
    r.grants = *parsed;
  }
  r.positive_examples = string_array(t, "positive_examples");
  r.negative_examples = string_array(t, "negative_examples");
  r.references = string_array(t, "references");
  r.remediation = t["remediation"].value_or(std::string());
  // Trim the leading newline of TOML multi-line strings.
  while (!r.remediation.empty() && (r.remediation.front() == '\n' || r.remediation.front() == ' '))
    r.remediation.erase(0, 1);
  return r;
}

}  // namespace

Result<std::vector<Rule>> parse_rule_file(std::string_view text, std::string_view source) {
  // tomlplusplus reports errors by exception; this adapter turns them into values.
  toml::table doc;
  try {
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " (line " << e.source().begin.line << ")";
    return make_error(ErrorCode::kConfig, msg.str(), std::string(source));
  }
  std::vector<Rule> out;
  const auto* rules = doc["rules"].as_array();
  if (!rules) return make_error(ErrorCode::kConfig, "no [[rules]] tables", std::string(source));
  for (const auto& node : *rules) {
    const auto* t = node.as_table();
    if (!t) return make_error(ErrorCode::kConfig, "rules must be tables", std::string(source));
    auto r = parse_rule(*t, source);
    if (!r) return std::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace keysweep
