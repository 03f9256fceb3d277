// Sizes as people write them in flags and keysweep.toml: "512MiB", "10M", "1G", "4096".
#pragma once

#include <cstdint>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

// Bytes; units b, k/kb/kib, m/mb/mib, g/gb/gib (any case, all powers of 1024).
Result<uint64_t> parse_size(std::string_view text);

}  // namespace keysweep
