#include "io/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keysweep {

Result<FileReader> FileReader::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  return FileReader(fd, path);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileReader::read_at(uint64_t offset, size_t length, char* out) const {
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd_, out + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(errno), path_);
    }
    if (n == 0) break;  // the end of the file
    got += static_cast<size_t>(n);
  }
  return got;
}

Result<FileStamp> FileReader::stamp() const {
  struct stat st;
  if (fstat(fd_, &st) != 0)
    return make_error(ErrorCode::kIo, std::string("cannot stat: ") + std::strerror(errno), path_);
  return FileStamp{static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

}  // namespace keysweep
