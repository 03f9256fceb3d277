#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keysweep {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, std::string("cannot stat: ") + std::strerror(e), path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "not a regular file", path);
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = nullptr;
  if (size > 0) {
    addr = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, std::string("cannot map: ") + std::strerror(e), path);
    }
    // The matcher reads every byte once, front to back.
    madvise(addr, size, MADV_SEQUENTIAL);
  }
  ::close(fd);
  return std::shared_ptr<const MappedFile>(new MappedFile(addr, size));
}

void MappedFile::release() const {
  if (addr_ && size_) madvise(addr_, size_, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (addr_ && size_) munmap(addr_, size_);
}

}  // namespace keysweep
