// Test-only helpers the pipeline's tests share. Header-only, so each test links nothing more.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "match/matcher.h"
#include "rules/rule.h"

namespace keysweep::pipeline_test {

// Every built-in rule, compiled once per test binary.
inline const Matcher& builtin_matcher() {
  static std::unique_ptr<Matcher> m = [] {
    auto rules = load_builtin_rules();
    EXPECT_TRUE(rules.has_value());
    auto compiled = Matcher::compile(std::move(*rules));
    EXPECT_TRUE(compiled.has_value());
    return std::move(*compiled);
  }();
  return *m;
}

}  // namespace keysweep::pipeline_test
