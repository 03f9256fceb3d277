// For the test and the fuzz target of pattern_tail.h: what the matcher makes of one rule's ends in
// the order they come, as Matcher::scan's callback builds it (ends no further than max_length past
// a window's last end join it), and the ends as a set. Two sequences of ends that give the same
// are the same to the matcher.
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

namespace keysweep {

inline std::pair<std::vector<std::pair<uint64_t, uint64_t>>, std::set<uint64_t>> windows_and_ends(
    const std::vector<uint64_t>& ends, uint64_t max_length) {
  std::vector<std::pair<uint64_t, uint64_t>> windows;
  for (uint64_t to : ends)
    if (!windows.empty() && to <= windows.back().second + max_length)
      windows.back().second = std::max(windows.back().second, to);
    else
      windows.emplace_back(to, to);
  return {windows, std::set<uint64_t>(ends.begin(), ends.end())};
}

}  // namespace keysweep
