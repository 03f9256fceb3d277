#include "input/chunked_vector.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

namespace keysweep {

namespace {

// An unnamed file in $TMPDIR (or /tmp), gone when closed; mkstemp and unlink where the file
// system has no O_TMPFILE.
int open_temporary() {
  const char* env = std::getenv("TMPDIR");
  const std::string dir = env && *env ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string path = dir + "/keysweep-spill-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(path.c_str());
  return fd;
}

}  // namespace

SpillFile::~SpillFile() {
  for (auto [at, size] : maps_) ::munmap(at, size);
  if (fd_ >= 0) ::close(fd_);
}

const void* SpillFile::write_and_map(const void* data, size_t bytes, uint64_t offset) {
  if (failed_) return nullptr;
  if (fd_ < 0 && (fd_ = open_temporary()) < 0) {
    failed_ = true;
    return nullptr;
  }
  for (size_t done = 0; done < bytes;) {
    ssize_t n = ::pwrite(fd_, static_cast<const char*>(data) + done, bytes - done,
                         static_cast<off_t>(offset + done));
    if (n <= 0) {
      failed_ = true;
      return nullptr;
    }
    done += static_cast<size_t>(n);
  }
  void* at = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(offset));
  if (at == MAP_FAILED) {
    failed_ = true;
    return nullptr;
  }
  maps_.emplace_back(at, bytes);
  mapped_ += bytes;
  return at;
}

}  // namespace keysweep
