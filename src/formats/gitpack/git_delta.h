// Git's delta format (pack OFS_DELTA / REF_DELTA bodies): the base's size and the result's size
// as 7-bit varints, then copy ops (offset and length in the base) and insert ops (literal bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep::gitpack {

struct DeltaSizes {
  uint64_t base = 0;
  uint64_t result = 0;
  size_t header_bytes = 0;  // where the ops start
};

// The two sizes at the start of a delta (a prefix of it is enough).
Result<DeltaSizes> read_delta_sizes(std::string_view delta);

// `base` with `delta` applied, into `out` (resized). Every copy is checked against the base, and
// the result against the size the delta declares; `max_result` caps what a delta may ask for.
Result<void> apply_delta(std::string_view base, std::string_view delta, uint64_t max_result,
                         std::string& out);

}  // namespace keysweep::gitpack
