// Read-only memory mapping of a whole file, so the matcher scans the page cache with no copy.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

class MappedFile {
 public:
  // Maps `path`; files of size 0 succeed with an empty view. Errors name the path and errno text.
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(addr_), size_}; }
  // Takes the pages read so far out of the process's resident set. They stay in the page cache
  // (the mapping is read-only, so nothing is lost): reading them again costs a minor fault. For
  // readers that go over a large file several times in a long run (a git pack: every page at
  // open, then trees, then blobs), so their resident memory is what they read lately, not all.
  void release() const;

 private:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  void* addr_;
  size_t size_;
};

}  // namespace keysweep
