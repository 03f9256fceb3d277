// `--shard K/N`: which inputs one of N cooperating processes scans. An input belongs to shard
// (FNV-1a 64 of its path, as walked) mod N + 1, so every process given the same paths splits them
// the same way, with no coordination: the shards are disjoint and together cover every input.
// An array-job runner (Slurm --array, a Kubernetes Indexed Job) passes its task index as K.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

struct Shard {
  uint32_t index = 1;  // 1-based, as written on the command line
  uint32_t count = 1;
  bool all() const { return count <= 1; }
  std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "3/8" -> {3, 8}; K must be in 1..N.
Result<Shard> parse_shard(std::string_view text);

uint64_t fnv1a64(std::string_view bytes);

inline bool in_shard(std::string_view path, const Shard& shard) {
  return shard.all() || fnv1a64(path) % shard.count + 1 == shard.index;
}

}  // namespace keysweep
