// How a scanning process's heap is set up, once, before any thread starts (the CLI's main; not
// the library, whose host owns its process).
#pragma once

#include <cstddef>

namespace keysweep {

// The heap's first bytes that tune_process_heap() asks the kernel to back with transparent huge
// pages: the most one allocation takes from the heap under the mmap threshold it sets (32 MiB).
inline constexpr size_t kHeapInHugePages = (size_t{32} << 20) - (size_t{64} << 10);

// Keeps freed memory for reuse (no trimming, one arena, large blocks from the heap) and backs the
// heap's first kHeapInHugePages with transparent huge pages where the kernel allows it (its
// "madvise" or "always" mode). Returns the bytes advised (0 where madvise failed).
size_t tune_process_heap();

}  // namespace keysweep
