// Reading a file that another process truncates, extends or a failing disk cannot serve: a
// mapping reads zeros where the bytes went instead of raising SIGBUS, and says so; a read by
// position reports the error with the path and errno text. The changes are made between the open
// and the reads (the FileFaults seam, or by hand after the open), so nothing here races.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/bus_error_guard.h"
#include "io/file_faults.h"
#include "io/file_reader.h"
#include "io/mapped_file.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

class TempFile {
 public:
  explicit TempFile(const std::string& name, const std::string& text)
      : path_((fs::temp_directory_path() / ("keysweep-io-" + std::to_string(getpid()) + "-" + name)).string()) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets `faults` for one scope.
struct ScopedFaults {
  explicit ScopedFaults(const FileFaults& f) : faults(f) { set_file_faults(&faults); }
  ~ScopedFaults() { set_file_faults(nullptr); }
  FileFaults faults;
};

// Reads every byte, as a scanner does; a SIGBUS would end the test binary here.
uint64_t sum_of(std::string_view bytes) {
  uint64_t sum = 0;
  for (char c : bytes) sum += static_cast<uint8_t>(c);
  return sum;
}

TEST(MappedFile, AFileTruncatedUnderTheMappingReadsAsZerosAndSaysSo) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  TempFile file("truncated.bin", std::string(10 * page, 'k'));
  auto m = MappedFile::open(file.path());
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(truncate(file.path().c_str(), static_cast<off_t>(3 * page)), 0);  // another process, in effect
  std::string_view bytes = (*m)->bytes();
  ASSERT_EQ(bytes.size(), 10 * page);  // the size at open
  EXPECT_EQ(sum_of(bytes), 3 * page * uint64_t{'k'});  // the first 3 pages as they were, zeros after
  EXPECT_TRUE((*m)->lost_bytes());
  auto now = (*m)->stamp_now();
  ASSERT_TRUE(now.has_value());
  bool io_error = true;
  auto why = describe_change_while_read(bytes.size(), bytes.size(), (*m)->opened(), *now, (*m)->lost_bytes(), &io_error);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("shrank while read"), std::string::npos) << *why;
  EXPECT_NE(why->find("scanned as zeros"), std::string::npos) << *why;
  EXPECT_FALSE(io_error);
  // The same as the diagnostic a scan reports (a git pack scan too): a warning naming the file.
  auto d = (*m)->change_while_read();
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->path, file.path());
  EXPECT_EQ(d->kind, DiagnosticKind::kChanged);
  EXPECT_EQ(d->severity, Severity::kWarning);
  EXPECT_EQ(d->message, *why);
}

// Whether each page of `bytes` is in the process's page tables (bit 63 of /proc/self/pagemap,
// which an unprivileged process may read for itself).
std::vector<bool> pages_present(std::string_view bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<bool> out;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return out;
  for (size_t at = 0; at < bytes.size(); at += page) {
    uint64_t entry = 0;
    const off_t where =
        static_cast<off_t>(reinterpret_cast<uintptr_t>(bytes.data() + at) / page * 8);
    if (pread(fd, &entry, 8, where) != 8) break;
    out.push_back(entry >> 63);
  }
  close(fd);
  return out;
}

// release_except() takes every page out of the resident set but those holding the part kept
// (a pack index's offset table, read at random by every step of a git scan).
TEST(MappedFile, ReleaseExceptKeepsThePagesOfThePartKept) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  TempFile file("release.bin", std::string(12 * page, 'r'));
  auto m = MappedFile::open(file.path());
  ASSERT_TRUE(m.has_value());
  const std::string_view bytes = (*m)->bytes();
  EXPECT_EQ(sum_of(bytes), 12 * page * uint64_t{'r'});  // every page read: all present
  const auto before = pages_present(bytes);
  ASSERT_EQ(before.size(), 12u);
  if (std::count(before.begin(), before.end(), true) != 12) GTEST_SKIP() << "pagemap not readable";
  // From the middle of page 3 to the middle of page 6: pages 3 to 6 stay.
  (*m)->release_except(bytes.substr(3 * page + 100, 3 * page));
  const auto after = pages_present(bytes);
  ASSERT_EQ(after.size(), 12u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(after[i], i >= 3 && i <= 6) << "page " << i;
  EXPECT_EQ(sum_of(bytes), 12 * page * uint64_t{'r'});  // released pages read back the same
  (*m)->release();
  const auto none = pages_present(bytes);
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
}

TEST(MappedFile, TheSeamTruncatesBetweenTheMappingAndTheFirstRead) {
  TempFile file("seam.bin", std::string(1 << 16, 'x'));
  FileFaults f;
  f.after_open = [](const std::string& path, int) { ASSERT_EQ(truncate(path.c_str(), 0), 0); };
  ScopedFaults scoped(f);
  auto m = MappedFile::open(file.path());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(sum_of((*m)->bytes()), 0u);
  EXPECT_TRUE((*m)->lost_bytes());
}

TEST(MappedFile, AnUnchangedFileLosesNothingAndGuardsAreReused) {
  TempFile file("same.bin", std::string(1 << 16, 'y'));
  for (int i = 0; i < 3; ++i) {  // the guard's registry slot is given back and taken again
    auto m = MappedFile::open(file.path());
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(sum_of((*m)->bytes()), (1u << 16) * uint64_t{'y'});
    EXPECT_FALSE((*m)->lost_bytes());
    auto now = (*m)->stamp_now();
    ASSERT_TRUE(now.has_value());
    EXPECT_FALSE(describe_change_while_read(1 << 16, 1 << 16, (*m)->opened(), *now, false).has_value());
    EXPECT_FALSE((*m)->change_while_read().has_value());
  }
}

TEST(MappedFile, AGrownFileIsScannedAsItWasAtOpenAndSaysSo) {
  TempFile file("grows.bin", std::string(4096, 'g'));
  auto m = MappedFile::open(file.path());
  ASSERT_TRUE(m.has_value());
  std::ofstream(file.path(), std::ios::app) << std::string(100, 'h');
  EXPECT_EQ((*m)->bytes().size(), 4096u);
  auto why = describe_change_while_read(4096, 4096, (*m)->opened(), *(*m)->stamp_now(), (*m)->lost_bytes());
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("grew while read: 4096 bytes"), std::string::npos) << *why;
  EXPECT_NE(why->find("4196 now; scanned the first 4096"), std::string::npos) << *why;
}

TEST(MappedFile, AFaultOnAFileThatDidNotChangeIsAnIoError) {
  FileStamp same{100, 7};
  bool io_error = false;
  auto why = describe_change_while_read(100, 100, same, same, true, &io_error);
  ASSERT_TRUE(why.has_value());
  EXPECT_TRUE(io_error);
  EXPECT_NE(why->find("I/O error"), std::string::npos) << *why;
}

// The guard takes only faults inside the ranges it guards: a SIGBUS anywhere else still ends the
// process, as a real bug should.
TEST(BusErrorGuardDeathTest, AFaultOutsideAGuardedRangeStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempFile guarded("guarded.bin", std::string(8192, 'a'));
  auto m = MappedFile::open(guarded.path());  // installs the handler
  ASSERT_TRUE(m.has_value());
  TempFile other("unguarded.bin", std::string(8192, 'b'));
  EXPECT_EXIT(
      {
        int fd = ::open(other.path().c_str(), O_RDONLY);
        auto* p = static_cast<const volatile char*>(mmap(nullptr, 8192, PROT_READ, MAP_PRIVATE, fd, 0));
        if (ftruncate(::open(other.path().c_str(), O_WRONLY), 0) != 0) _exit(3);
        char c = p[4096];
        _exit(c == 0 ? 4 : 5);
      },
      // SIGBUS's default action; or, in a sanitizer build, the sanitizer's handler (the one there
      // before) reporting the fault and exiting 1. Exits 3-5 would mean it was not seen at all.
      [](int status) {
        return (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) ||
               (WIFEXITED(status) && WEXITSTATUS(status) == 1);
      },
      "");
}

// Mappings a library makes itself (libgit2's pack windows), once guard_foreign_file_mappings()
// is on: a read-only file mapping cut short reads as zeros and the file is named; a writable
// mapping is never touched. In child processes: the mode stays on for the rest of a process.
TEST(BusErrorGuardDeathTest, AForeignReadOnlyFileMappingCutShortReadsAsZerosAndIsNamed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempFile file("foreign.bin", std::string(3 * 4096, 'f'));
  EXPECT_EXIT(
      {
        BusErrorGuard::guard_foreign_file_mappings();
        int fd = ::open(file.path().c_str(), O_RDONLY);
        auto* p = static_cast<const volatile char*>(
            mmap(nullptr, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0));
        if (p == MAP_FAILED || truncate(file.path().c_str(), 4096) != 0) _exit(3);
        const char before = p[0];
        const char lost = p[2 * 4096 + 7];
        auto faults = BusErrorGuard::take_foreign_faults();
        if (before != 'f' || lost != 0) _exit(4);
        if (faults.size() != 1 || faults[0].path != file.path() || faults[0].offset != 2 * 4096)
          _exit(5);
        if (!BusErrorGuard::take_foreign_faults().empty()) _exit(6);  // taken once
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(BusErrorGuardDeathTest, AForeignWritableMappingIsNeverTouched) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempFile file("foreign-rw.bin", std::string(2 * 4096, 'w'));
  EXPECT_EXIT(
      {
        BusErrorGuard::guard_foreign_file_mappings();
        int fd = ::open(file.path().c_str(), O_RDWR);
        auto* p = static_cast<volatile char*>(
            mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        if (p == MAP_FAILED || ftruncate(fd, 0) != 0) _exit(3);
        char c = p[4096];
        _exit(c == 0 ? 4 : 5);
      },
      [](int status) {
        return (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) || (WIFEXITED(status) && WEXITSTATUS(status) == 1);
      },
      "");
}

TEST(FileReader, AReadErrorNamesTheFileTheErrnoTextAndWhere) {
  TempFile file("eio.txt", std::string(10000, 'z'));
  FileFaults f;
  // The disk cannot serve the second page.
  f.read_error = [&](const std::string& path, uint64_t offset, uint64_t length) {
    return path == file.path() && offset + length > 4096 ? EIO : 0;
  };
  ScopedFaults scoped(f);
  auto reader = FileReader::open(file.path());
  ASSERT_TRUE(reader.has_value());
  std::string buf(10000, '\0');
  auto before = reader->read_at(0, 4096, buf.data());
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(*before, 4096u);
  auto got = reader->read_at(0, buf.size(), buf.data());
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().path, file.path());
  EXPECT_NE(got.error().message.find("Input/output error"), std::string::npos) << got.error().message;
}

// A read that stops exactly where the caller knows the file ends is the end; any other short
// read is asked again (a network or FUSE file system may return fewer bytes before the end). The
// fault seam sees every read the reader makes: the offsets it was called at.
TEST(FileReader, AReadStoppingAtTheKnownEndIsNotAskedAgain) {
  TempFile file("sized.txt", std::string(10000, 'k'));
  std::vector<uint64_t> reads;
  FileFaults f;
  f.read_error = [&](const std::string& path, uint64_t offset, uint64_t) {
    if (path == file.path()) reads.push_back(offset);
    return 0;
  };
  ScopedFaults scoped(f);
  auto reader = FileReader::open(file.path());
  ASSERT_TRUE(reader.has_value());
  std::string buf(10001, '\0');
  auto read = [&](size_t length, uint64_t known_end) {
    reads.clear();
    auto got = reader->read_at(0, length, buf.data(), known_end);
    EXPECT_TRUE(got.has_value());
    return got.value_or(0);
  };
  // One byte more than the size asked for: one read, which stops at the size.
  EXPECT_EQ(read(10001, 10000), 10000u);
  EXPECT_EQ(reads, (std::vector<uint64_t>{0}));
  // Without the size: asked again, and the empty read is the end.
  EXPECT_EQ(read(10001, UINT64_MAX), 10000u);
  EXPECT_EQ(reads, (std::vector<uint64_t>{0, 10000}));
  // A stop anywhere else (here: the file is longer than the caller thought and ended early
  // anyway) is asked again too.
  EXPECT_EQ(read(10001, 5000), 10000u);
  EXPECT_EQ(reads, (std::vector<uint64_t>{0, 10000}));
  // Grown past the size: the whole request is read, and the caller sees the growth.
  EXPECT_EQ(read(9001, 9000), 9001u);
  EXPECT_EQ(reads, (std::vector<uint64_t>{0}));
}

}  // namespace
}  // namespace keysweep
