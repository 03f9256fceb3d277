#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "rules/builtin_rules.h"
#include "rules/rule.h"
#include "rules/validators.h"

namespace keysweep {

const Rule* RuleSet::find(std::string_view id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

namespace {

std::vector<std::string> to_strings(BuiltinStrings list) {
  return {list.items, list.items + list.size};
}

}  // namespace

Result<RuleSet> load_builtin_rules() {
  RuleSet set;
  const auto data = builtin_rule_data();
  set.rules.reserve(data.size());
  for (const BuiltinRule& b : data) {
    Rule& r = set.rules.emplace_back();
    r.id = b.id;
    r.name = b.name;
    r.provider = b.provider;
    r.pattern = b.pattern;
    r.secret_group = b.secret_group;
    r.keywords = to_strings(b.keywords);
    r.min_entropy = b.min_entropy;
    r.validators = to_strings(b.validators);
    r.confidence = b.confidence;
    r.max_length = b.max_length;
    r.pair = b.pair;
    r.pair_role = b.pair_role;
    r.context = b.context;
    r.grants = b.grants;
    r.positive_examples = to_strings(b.positive_examples);
    r.negative_examples = to_strings(b.negative_examples);
    r.references = to_strings(b.references);
    r.remediation = b.remediation;
    r.source_file = b.source_file;
    r.builtin = true;
  }
  return set;
}

Result<void> load_rules_from_path(RuleSet& set, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
  } else {
    files.emplace_back(path);
  }
  if (ec) return make_error(ErrorCode::kIo, ec.message(), path);
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return make_error(ErrorCode::kIo, "cannot read rule file", f.string());
    std::stringstream ss;
    ss << in.rdbuf();
    auto rules = parse_rule_file(ss.str(), f.string());
    if (!rules) return std::unexpected(rules.error());
    for (auto& r : *rules) {
      auto it = std::find_if(set.rules.begin(), set.rules.end(),
                             [&](const Rule& x) { return x.id == r.id; });
      if (it != set.rules.end()) {
        *it = std::move(r);
      } else {
        set.rules.push_back(std::move(r));
      }
    }
  }
  return {};
}

Result<void> lint_rules(const RuleSet& set) {
  std::set<std::string> ids;
  const auto& known = known_validator_names();
  for (const auto& r : set.rules) {
    auto fail = [&](std::string why) {
      return make_error(ErrorCode::kConfig, "rule '" + r.id + "': " + why, r.source_file);
    };
    if (!ids.insert(r.id).second) return fail("duplicate id");
    if (r.id.find('.') == std::string::npos) return fail("id must be provider.kind");
    for (const auto& v : r.validators)
      if (std::find(known.begin(), known.end(), v) == known.end())
        return fail("unknown validator '" + v + "'");
    if (r.positive_examples.empty()) return fail("needs at least one positive example");
    if (r.remediation.empty()) return fail("needs remediation text");
    if (!r.pair.empty() && r.pair_role.empty()) return fail("pair without pair_role");
  }
  return {};
}

}  // namespace keysweep
