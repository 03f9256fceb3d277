// Reading a file by position (pread) into the caller's buffer. Unlike a mapping, a file that
// shrinks while it is read gives a short count here, not a SIGBUS that ends the whole scan; the
// pipeline reads plain files this way, a window at a time (pipeline/window_plan.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "keysweep/error.h"

struct stat;

namespace keysweep {

// What says a file changed under the reader: its size and modification time.
struct FileStamp {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// The stamp an fstat/stat result gives.
FileStamp stamp_from(const struct stat& st);
// The stamp of an open descriptor; errors name `path`.
Result<FileStamp> stamp_of(int fd, const std::string& path);

// Why the bytes scanned of a file are not the file as it is now, if they are not, for a
// changed-while-read diagnostic: `scanned` bytes were read of the `expected` the scan set out to
// read (the size at open), `opened` and `now` are its stamps. `lost` says a mapped read faulted.
// Returns nullopt when the file is as it was. A fault on a file that did not change is an I/O
// error, not a change: `*io_error` is set and the text says so.
std::optional<std::string> describe_change_while_read(uint64_t expected, uint64_t scanned, const FileStamp& opened,
                                                      const std::optional<FileStamp>& now, bool lost,
                                                      bool* io_error = nullptr);

class FileReader {
 public:
  // Errors name the path and the errno text.
  static Result<FileReader> open(const std::string& path);
  FileReader(FileReader&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  FileReader& operator=(FileReader&&) = delete;
  FileReader(const FileReader&) = delete;
  ~FileReader();

  // Reads up to `length` bytes at `offset` into `out`; fewer only where the file ends. A read that
  // stops short is asked again (a network or FUSE file system may return fewer bytes than asked
  // for before the end), until one returns nothing: the end. Except that a read stopping exactly
  // at `known_end` (the size stat gave) is taken as the end without asking again: a small file is
  // read with one byte more than its size asked for, to see it grew, and the second read that only
  // confirmed the end was a system call per file (a third of a source tree's reads).
  Result<size_t> read_at(uint64_t offset, size_t length, char* out,
                         uint64_t known_end = UINT64_MAX) const;
  Result<FileStamp> stamp() const;
  const std::string& path() const { return path_; }

 private:
  FileReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace keysweep
