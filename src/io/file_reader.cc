#include "io/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/file_faults.h"

namespace keysweep {

Result<FileReader> FileReader::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  if (const FileFaults* faults = file_faults(); faults && faults->after_open) faults->after_open(path, fd);
  return FileReader(fd, path);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileReader::read_at(uint64_t offset, size_t length, char* out,
                                   uint64_t known_end) const {
  const FileFaults* faults = file_faults();
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd_, out + got, length - got, static_cast<off_t>(offset + got));
    if (faults && faults->read_error)
      if (int e = faults->read_error(path_, offset + got, length - got)) {
        n = -1;
        errno = e;
      }
    if (n < 0) {
      if (errno == EINTR) continue;
      // An I/O error (a failing disk, a broken network mount) rather than a file that changed.
      return make_error(ErrorCode::kIo,
                        std::string("cannot read: ") + std::strerror(errno) + " at byte " + std::to_string(offset + got),
                        path_);
    }
    if (n == 0) break;  // the end of the file
    got += static_cast<size_t>(n);
    if (got < length && offset + got == known_end) break;
  }
  return got;
}

FileStamp stamp_from(const struct stat& st) {
  return FileStamp{static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

Result<FileStamp> stamp_of(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return make_error(ErrorCode::kIo, std::string("cannot stat: ") + std::strerror(errno), path);
  return stamp_from(st);
}

Result<FileStamp> FileReader::stamp() const { return stamp_of(fd_, path_); }

std::optional<std::string> describe_change_while_read(uint64_t expected, uint64_t scanned, const FileStamp& opened,
                                                      const std::optional<FileStamp>& now, bool lost,
                                                      bool* io_error) {
  if (io_error) *io_error = false;
  const std::string when = std::to_string(expected) + " bytes when its scan began, ";
  if (now && now->size < expected)
    return "shrank while read: " + when + std::to_string(now->size) + " now; " +
           (lost ? "the bytes after the cut were scanned as zeros" : "scanned what was read");
  if (scanned < expected)
    return "shrank while read: " + when + std::to_string(scanned) + " read; scanned what was read";
  if (now && now->size > expected)
    return "grew while read: " + when + std::to_string(now->size) + " now; scanned the first " +
           std::to_string(expected);
  if (now && !(*now == opened))
    return "modified while read: findings may come from either version";
  if (lost) {
    if (io_error) *io_error = true;
    return "cannot read: a page of the mapped file could not be read (an I/O error); it was scanned as "
           "zeros from there on";
  }
  return std::nullopt;
}


}  // namespace keysweep
