#include "io/process_heap.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace keysweep {

// Scanning apps allocates and frees buffers of megabytes per entry (inflated DEX, rendered
// resource text). glibc's defaults hand such buffers back to the kernel on free (mmap above an
// adaptive threshold, heap trimming), so every app pays page faults on fresh zeroed pages again:
// 15-18% of the CPU time of an APK scan in `perf`. Keeping freed memory for reuse costs at most
// the peak working set, which the scan reaches anyway.
// The trim threshold binds only the main arena: a worker thread's own arena keeps big blocks in
// 64 MiB heaps that glibc unmaps as soon as they are empty, however high the threshold, so each
// multi-megabyte DEX or resource table faulted in fresh pages again. Every thread shares the main
// arena instead (small blocks still come from each thread's tcache without the lock). Measured on
// the APK corpus (bench/suite/apk_throughput.sh's): page faults -18% and CPU -3% at -j1, CPU -4.5%
// at -j2 (medians of 4 alternating runs); no change on /usr/include + the Python library.
//
// The faults left are the first touch of the heap's pages, up to the peak working set, and on a
// VM each costs 11-14 us a 4 KiB page (bench/README.md). Backed by 2 MiB transparent huge pages,
// the heap faults once per 2 MiB instead of 512 times. glibc does this itself with the tunable
// glibc.malloc.hugetlb=1, but a tunable is read from the environment when the process starts,
// before main(), so it is done here by hand: one allocation grows the heap (sbrk) by what it can
// take below the mmap threshold, madvise(MADV_HUGEPAGE) marks the 2 MiB-aligned part of it, and
// the free keeps it as the heap's top (no trimming), where later allocations are carved from.
// Nothing is touched, so nothing is resident until used. Measured (interleaved, medians of 9):
// APK corpus -j2 1024 -> 916 CPU ms (the tunable: 907), peak RSS 64 -> 70 MiB; text corpus -j1
// -2% CPU, +2 MiB; the 1M-blob git history unchanged.
size_t tune_process_heap() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum for the threshold on 64-bit
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_ARENA_MAX, 1);

  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  void* block = std::malloc(kHeapInHugePages);
  if (!block) return 0;
  const uintptr_t at = reinterpret_cast<uintptr_t>(block);
  const uintptr_t begin = (at + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (at + kHeapInHugePages) & ~(kHugePage - 1);
  size_t advised = 0;
  if (end > begin && madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0)
    advised = end - begin;
  std::free(block);
  return advised;
}

}  // namespace keysweep
