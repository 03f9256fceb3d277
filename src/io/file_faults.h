// A seam for tests: what a failing disk, a broken network mount or another process does to a file
// while keysweep reads it, made to happen at a chosen moment so a test of it cannot flake. Nothing
// sets it in a normal run; a unit test sets it around its scan, and the hidden scan flag
// --inject-read-error PATH (for end-to-end tests) makes every read of PATH fail with EIO.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace keysweep {

struct FileFaults {
  // Called when a file has been opened (and mapped, for MappedFile) and before a byte of it is
  // read: a test truncates or extends it here, between the open and the reads.
  std::function<void(const std::string& path, int fd)> after_open;
  // The errno a read of `length` bytes of `path` at `offset` (FileReader::read_at) fails with, or
  // 0: none.
  std::function<int(const std::string& path, uint64_t offset, uint64_t length)> read_error;
};

// `faults` must outlive the reads; nullptr removes them. Not for use while a scan runs.
void set_file_faults(const FileFaults* faults);
const FileFaults* file_faults();

}  // namespace keysweep
