#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "io/file_faults.h"

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
  std::shared_ptr<const MappedFile> m(new MappedFile(addr, size, fd, stamp_from(st), path));
  if (const FileFaults* faults = file_faults(); faults && faults->after_open) faults->after_open(path, fd);
  return m;
}

MappedFile::MappedFile(void* addr, size_t size, int fd, FileStamp opened, std::string path)
    : addr_(addr), size_(size), fd_(fd), opened_(opened), path_(std::move(path)) {
  if (size_) guard_.emplace(addr_, size_);
}

void MappedFile::release() const {
  if (addr_ && size_) madvise(addr_, size_, MADV_DONTNEED);
}

void MappedFile::release_except(std::string_view keep) const {
  if (!addr_ || !size_) return;
  const auto base = reinterpret_cast<uintptr_t>(addr_);
  const auto from = reinterpret_cast<uintptr_t>(keep.data());
  if (keep.empty() || from < base || from + keep.size() > base + size_) return release();
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t keep_start = from & ~(page - 1);                           // page-aligned
  const uintptr_t keep_end = (from + keep.size() + page - 1) & ~(page - 1);  // page-aligned
  if (keep_start > base) madvise(addr_, keep_start - base, MADV_DONTNEED);
  if (keep_end < base + size_)
    madvise(reinterpret_cast<void*>(keep_end), base + size_ - keep_end, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  guard_.reset();  // before the range can be mapped again by someone else
  if (addr_ && size_) munmap(addr_, size_);
  if (fd_ >= 0) ::close(fd_);
}

Result<FileStamp> MappedFile::stamp_now() const { return stamp_of(fd_, path_); }

std::optional<Diagnostic> MappedFile::change_while_read() const {
  std::optional<FileStamp> now;
  if (auto st = stamp_now()) now = *st;
  bool io_error = false;
  auto why = describe_change_while_read(size_, size_, opened_, now, lost_bytes(), &io_error);
  if (!why) return std::nullopt;
  if (io_error) return Diagnostic{Severity::kError, DiagnosticKind::kUnreadable, path_, std::move(*why)};
  return Diagnostic{Severity::kWarning, DiagnosticKind::kChanged, path_, std::move(*why)};
}

}  // namespace keysweep
