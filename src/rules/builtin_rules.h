// The rules built into the binary: rules/*.toml, parsed at build time by embed_rules.cc (with the
// same parser as --rules files) into constant data, so a run starts without parsing ~340 KB of
// TOML, which was a sixth of the CPU of a small scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/risk.h"
#include "keysweep/finding.h"

namespace keysweep {

struct BuiltinStrings {
  const std::string_view* items = nullptr;
  size_t size = 0;
};

// Rule's fields as constants; load_builtin_rules() turns each into a Rule.
struct BuiltinRule {
  std::string_view id, name, provider, pattern;
  int secret_group;
  BuiltinStrings keywords;
  double min_entropy;
  BuiltinStrings validators;
  Confidence confidence;
  uint32_t max_length;
  std::string_view pair, pair_role, context;
  Grants grants;
  BuiltinStrings positive_examples, negative_examples, references;
  std::string_view remediation, source_file;
};

// In the order of the sorted file names, then of the [[rules]] tables in each file.
std::span<const BuiltinRule> builtin_rule_data();

}  // namespace keysweep
