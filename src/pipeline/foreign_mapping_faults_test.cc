// libgit2's own file mappings are guarded whichever way keysweep reaches libgit2, and a scan names
// a file whose page was lost under one (input/libgit2_session.h, io/bus_error_guard.h). Each test
// runs in a child process started afresh ("threadsafe" death tests): the guard, once on, stays on
// for the rest of a process, so only a fresh one shows who switched it on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "input/git_history.h"
#include "input/gitignore_filter.h"
#include "io/bus_error_guard.h"
#include "pipeline/pipeline_test_support.h"
#include "pipeline/scan_pipeline.h"

namespace keysweep {
namespace {

namespace fs = std::filesystem;

TEST(LibGit2MappingGuardDeathTest, EveryWayIntoLibgit2GuardsItsMappings) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (BusErrorGuard::guarding_foreign_file_mappings()) _exit(3);  // not fresh
        GitIgnoreFilter filter;
        _exit(BusErrorGuard::guarding_foreign_file_mappings() ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        if (BusErrorGuard::guarding_foreign_file_mappings()) _exit(3);
        auto repo = GitRepository::open(fs::temp_directory_path().string());  // a repository or not
        _exit(BusErrorGuard::guarding_foreign_file_mappings() ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        if (BusErrorGuard::guarding_foreign_file_mappings()) _exit(3);
        GitPackWindowLimit limit(32u << 20);
        _exit(BusErrorGuard::guarding_foreign_file_mappings() ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "");
}

// A directory scan with --respect-gitignore reaches libgit2 through the walk's filter: a page lost
// under a library's read-only mapping afterwards reads as zeros instead of ending the process, and
// the next scan names the file.
TEST(LibGit2MappingGuardDeathTest, ADirectoryScanNamesAFileLostUnderALibrarysMapping) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path dir = fs::temp_directory_path() / ("keysweep-foreign-" + std::to_string(getpid()));
  fs::create_directories(dir / "tree");
  std::ofstream(dir / "tree" / "notes.txt") << "nothing to see here\n";
  const std::string mapped = (dir / "pack.bin").string();
  std::ofstream(mapped, std::ios::binary) << std::string(3 * 4096, 'p');
  EXPECT_EXIT(
      {
        ScanConfig config;
        config.jobs = 1;
        config.walk.respect_gitignore = true;
        ScanPipeline pipeline(pipeline_test::builtin_matcher(), config);
        CollectingDiagnostics first;
        pipeline.scan_paths({(dir / "tree").string()}, first);
        // What libgit2 does with a pack window, with the file cut short under it.
        int fd = ::open(mapped.c_str(), O_RDONLY);
        auto* p = static_cast<const volatile char*>(
            mmap(nullptr, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0));
        if (p == MAP_FAILED || truncate(mapped.c_str(), 4096) != 0) _exit(3);
        if (p[2 * 4096 + 1] != 0) _exit(4);
        CollectingDiagnostics second;
        pipeline.scan_paths({(dir / "tree").string()}, second);
        for (const Diagnostic& d : second.take())
          if (d.path == mapped && d.kind == DiagnosticKind::kChanged &&
              d.message.find("shrank while read") != std::string::npos)
            _exit(0);
        _exit(5);
      },
      ::testing::ExitedWithCode(0), "");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace keysweep
