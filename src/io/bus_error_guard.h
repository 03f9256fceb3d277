// A file mapped into memory raises SIGBUS, which would end the whole scan, when a page of it can no
// longer be read: another process truncated the file under the mapping, or the disk or network
// mount answered the page-in with an I/O error. Containers (zip, APK, IPA, jar) and git packs are
// mapped whole, so this guard stands over every mapping keysweep makes of a scanned file.
//
// How: one process-wide SIGBUS handler and a registry of the guarded ranges. A fault inside a
// guarded range maps zero-filled anonymous pages over the rest of that range, marks the range and
// returns, so the faulting read sees zeros and the scan goes on; the owner asks faulted()
// afterwards and reports the file as not fully read. A fault anywhere else goes to the handler
// that was there before (by default: the process ends, as it should for a real bug).
//
// Why not sigsetjmp/siglongjmp out of the fault: the read that faults is deep inside parsers,
// libdeflate and Vectorscan. Jumping over those frames skips C++ destructors (a MemoryBudget lease
// would never be given back and later workers would wait for it forever), leaves a Vectorscan
// scratch marked in use, and is undefined behaviour for frames with non-trivial destructors.
// Zeros instead of the lost bytes need none of that: every parser already treats its input as
// untrusted, so zeros become at worst a "malformed" diagnostic, and nothing is unwound.
// Why not read containers into memory with pread: an APK would be copied whole out of the page
// cache (its size again in anonymous memory per worker), and leasing that copy from the
// MemoryBudget would make every inflated entry a nested lease, which never waits: the budget
// would stop bounding what workers inflate (io/memory_budget.h).
//
// Mappings that are not ours: libgit2 maps pack windows itself and has no hook to guard them, so a
// pack cut short under a libgit2 read ended the scan with SIGBUS. guard_foreign_file_mappings()
// extends the handler to every read-only mapping of a file: a fault there finds its mapping in
// /proc/self/maps (read with raw system calls, which are async-signal-safe), zero-fills the rest
// of it the same way and records the file; libgit2 then reads zeros, fails to inflate the object
// and says so, and the scan names the file (take_foreign_faults). Writable and anonymous mappings
// are never touched: a fault there is a real bug or a real out-of-memory, and still ends the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace keysweep {

// A file whose page was lost under a mapping keysweep did not make.
struct ForeignMappingFault {
  std::string path;
  uint64_t offset = 0;  // where in the file the first lost page starts
};

class BusErrorGuard {
 public:
  // Guards [addr, addr + length); installs the handler on first use. Never fails: the registry
  // grows as needed (one slot per mapping open at once) and slots are reused.
  BusErrorGuard(const void* addr, size_t length);
  ~BusErrorGuard();
  BusErrorGuard(const BusErrorGuard&) = delete;
  BusErrorGuard& operator=(const BusErrorGuard&) = delete;

  // Whether a read of the range faulted, so that part of it now reads as zeros.
  bool faulted() const;

  // From now on (for the rest of the process) read-only file mappings made by libraries are
  // guarded too. Call it before handing files to such a library.
  static void guard_foreign_file_mappings();
  static bool guarding_foreign_file_mappings();
  // The files (at most a few, each once) whose pages were lost under such mappings since the last
  // call, and forgets them.
  static std::vector<ForeignMappingFault> take_foreign_faults();

  struct Slot;

 private:
  Slot* slot_;
};

}  // namespace keysweep
