// libFuzzer target: the input is a text. For each built-in rule split at its keywords
// (keyword_split.h), Vectorscan's ends of the whole pattern over the text must come in increasing
// order, each once, and be the ends the matcher derives from the split: the forms matched by hand
// checked against Vectorscan itself.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "match/keyword_split_check.h"
#include "rules/rule.h"

namespace {

const std::vector<std::unique_ptr<keysweep::KeywordSplitCheck>>& checks() {
  static const auto all = [] {
    std::vector<std::unique_ptr<keysweep::KeywordSplitCheck>> out;
    auto rules = keysweep::load_builtin_rules();
    if (!rules) __builtin_trap();
    for (const keysweep::Rule& r : rules->rules)
      if (keysweep::split_keyword_pattern(r.pattern)) {
        out.push_back(std::make_unique<keysweep::KeywordSplitCheck>(r.pattern));
        if (!out.back()->ok()) __builtin_trap();
      }
    if (out.empty()) __builtin_trap();
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& check : checks()) {
    const std::vector<uint64_t> whole = check->whole_ends(text);
    for (size_t i = 1; i < whole.size(); ++i)
      if (whole[i] <= whole[i - 1]) __builtin_trap();
    if (check->split_ends(text) != whole) __builtin_trap();
  }
  return 0;
}
