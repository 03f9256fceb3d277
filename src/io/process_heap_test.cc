// tune_process_heap() leaves the heap's top marked for transparent huge pages (the kernel's
// VmFlags "hg", whatever its THP mode), and later allocations are carved from that part.
#include "io/process_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace keysweep {
namespace {

struct Mapping {
  uintptr_t begin = 0, end = 0;
};

// The mappings of /proc/self/smaps whose VmFlags hold "hg" (MADV_HUGEPAGE).
std::vector<Mapping> huge_page_mappings() {
  std::vector<Mapping> out;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  Mapping current;
  while (std::getline(smaps, line)) {
    if (line.rfind("VmFlags:", 0) == 0) {
      std::istringstream flags(line.substr(8));
      for (std::string f; flags >> f;)
        if (f == "hg") out.push_back(current);
      continue;
    }
    // A mapping's first line: "begin-end perms offset dev inode [name]", addresses in hex.
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos || dash > space) continue;
    char* stop = nullptr;
    const uintptr_t begin = std::strtoull(line.c_str(), &stop, 16);
    if (stop != line.c_str() + dash) continue;
    current = {begin, static_cast<uintptr_t>(std::strtoull(line.c_str() + dash + 1, nullptr, 16))};
  }
  return out;
}

TEST(ProcessHeap, TheHeapTopIsMarkedForHugePagesAndLaterBlocksComeFromIt) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator replaces glibc's heap";
#endif
  const size_t advised = tune_process_heap();
  ASSERT_GE(advised, size_t{16} << 20) << "madvise(MADV_HUGEPAGE) failed or the heap was not grown";
  const auto marked = huge_page_mappings();
  ASSERT_FALSE(marked.empty());
  bool covered = false;
  for (const Mapping& m : marked) covered |= m.end - m.begin >= advised;
  EXPECT_TRUE(covered) << "no marked mapping as large as what was advised";

  // A multi-megabyte buffer, as an inflated entry would be, lies mostly in the marked part (the
  // heap's top may start up to one huge page before the first 2 MiB boundary).
  constexpr size_t kBuffer = size_t{6} << 20;
  void* buffer = std::malloc(kBuffer);
  ASSERT_NE(buffer, nullptr);
  const uintptr_t at = reinterpret_cast<uintptr_t>(buffer);
  size_t inside = 0;
  for (const Mapping& m : marked)
    if (at < m.end && at + kBuffer > m.begin)
      inside += std::min<uintptr_t>(at + kBuffer, m.end) - std::max<uintptr_t>(at, m.begin);
  std::free(buffer);
  EXPECT_GE(inside, kBuffer - (size_t{2} << 20));
}

}  // namespace
}  // namespace keysweep
