// libFuzzer target: any bytes through the assignment reader (and the same bytes as a CSV through
// the table reader), the features and the scorer. Every assignment must lie inside the input, and
// the scorer must give a probability, never crash.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "context/assignment_reader.h"
#include "context/features.h"
#include "context/scorer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace c = keysweep::context;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<c::Assignment> found;
  c::read_assignments(text, found);
  c::read_table_columns(text, found, nullptr);
  c::FeatureVector features;
  const c::FileKind file = c::classify_path(text.substr(0, 64));
  for (const c::Assignment& a : found) {
    if (a.value.empty() || a.value_offset + a.value.size() > size ||
        text.substr(a.value_offset, a.value.size()) != a.value)
      std::abort();
    if (c::compute_features(a, file, features) == c::NameClass::kNone) continue;
    c::Score s = c::score(c::builtin_scorer_model(), features);
    if (!(s.probability >= 0 && s.probability <= 1)) std::abort();
    (void)c::strongest_contributions(c::builtin_scorer_model(), features, 6);
  }
  return 0;
}
