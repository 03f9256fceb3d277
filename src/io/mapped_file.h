// Read-only memory mapping of a whole file, so the matcher scans the page cache with no copy.
// Guarded (io/bus_error_guard.h): a file truncated under the mapping, or a page the disk cannot
// read, reads as zeros instead of ending the process with SIGBUS; lost_bytes() says it happened.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/diagnostics.h"
#include "io/bus_error_guard.h"
#include "io/file_reader.h"
#include "keysweep/error.h"

namespace keysweep {

class MappedFile {
 public:
  // Maps `path`; files of size 0 succeed with an empty view. Errors name the path and errno text.
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The file as it was at open: its size then (fstat) is the mapping's.
  std::string_view bytes() const { return {static_cast<const char*>(addr_), size_}; }
  const FileStamp& opened() const { return opened_; }
  // Size and modification time now, to tell whether the file changed while it was read.
  Result<FileStamp> stamp_now() const;
  // Whether a read of the mapping faulted (the file shrank under it, or an I/O error): the bytes
  // from that page on read as zeros.
  bool lost_bytes() const { return guard_ && guard_->faulted(); }
  // Once read: why its bytes were not the file as it is now (describe_change_while_read), as a
  // diagnostic naming it: changed-while-read, or an I/O error (an error: the scan is incomplete).
  std::optional<Diagnostic> change_while_read() const;
  // Takes the pages read so far out of the process's resident set. They stay in the page cache
  // (the mapping is read-only, so nothing is lost): reading them again costs a minor fault. For
  // readers that go over a large file several times in a long run (a git pack: every page at
  // open, then trees, then blobs), so their resident memory is what they read lately, not all.
  void release() const;
  // The same for all but the pages holding `keep` (a part of bytes()): a table the reader goes on
  // reading at random everywhere (a pack index's offsets), whose every page would fault back in.
  void release_except(std::string_view keep) const;

 private:
  MappedFile(void* addr, size_t size, int fd, FileStamp opened, std::string path);
  void* addr_;
  size_t size_;
  int fd_;  // kept for stamp_now()
  FileStamp opened_;
  std::string path_;
  std::optional<BusErrorGuard> guard_;
};

}  // namespace keysweep
