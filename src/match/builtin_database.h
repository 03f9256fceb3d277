// The built-in rules' Vectorscan database, compiled at build time by embed_database.cc and linked
// into the binary, so a run with no cache (a fresh CI container) starts scanning without the second
// of CPU that compiling ~300 patterns costs. It is compiled for baseline_target() (no tuning, no
// optional CPU features), which runs on every machine Vectorscan runs on; the matcher uses it only
// when the rule set it is given has exactly the patterns and flags it was compiled from, where it
// lies in the binary: no copy, and a scan faults in only the pages it reads.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "match/database.h"

namespace keysweep {

struct BuiltinDatabase {
  std::string_view pattern_digest;  // PatternSet::digest() of the built-in rules
  std::string_view hs_version;      // hs_version() of the Vectorscan that compiled it
  DatabaseTarget target;
  std::span<const uint32_t> prefiltered;  // rule indices compiled in prefilter mode
  std::string_view image;  // the database as it lies in memory, page-aligned (Database::in_place)
};

BuiltinDatabase builtin_database();

}  // namespace keysweep
