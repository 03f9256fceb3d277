// The progress line a person reads during a long scan: its ETA, and that a warning printed while
// the live line is shown erases it first (the live line and warnings share core/stderr_lines).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <unistd.h>

#include "cli/progress.h"
#include "core/stderr_lines.h"

namespace keysweep::cli {
namespace {

ProgressCounts counts(uint64_t inputs_done, uint64_t inputs_total, uint64_t bytes_done,
                      uint64_t bytes_total, double seconds) {
  ProgressCounts c;
  c.inputs_done = inputs_done;
  c.inputs_total = inputs_total;
  c.bytes_done = bytes_done;
  c.bytes_total = bytes_total;
  c.seconds = seconds;
  return c;
}

std::string eta_of(const ProgressCounts& c) {
  std::string line = format_progress(c, false);
  auto at = line.find("ETA ");
  return at == std::string::npos ? "" : line.substr(at + 4);
}

TEST(ProgressEta, UnknownUntilSomethingIsScannedAndASecondHasPassed) {
  EXPECT_EQ(eta_of(counts(0, 100, 0, 1000, 5.0)), "unknown");
  EXPECT_EQ(eta_of(counts(3, 100, 300, 1000, 0.5)), "unknown");
  EXPECT_EQ(eta_of(counts(3, 0, 300, 0, 5.0)), "unknown");  // the total is not known yet
}

TEST(ProgressEta, ManySmallInputsLeftAfterTheBigOnesAreNotZero) {
  // 99% of the bytes done in 10 s, but 1,300 of 1,400 inputs still to go: bytes alone said 0:00.
  auto c = counts(100, 1400, 990'000'000, 1'000'000'000, 10.0);
  EXPECT_EQ(eta_of(c), "2:10");  // 1,300 inputs at 10 inputs/s
}

TEST(ProgressEta, FewBigInputsLeftUseTheByteRate) {
  // Half the inputs, a tenth of the bytes in 10 s: 90 s more at the byte rate.
  auto c = counts(50, 100, 100'000'000, 1'000'000'000, 10.0);
  EXPECT_EQ(eta_of(c), "1:30");
}

TEST(ProgressEta, AbsurdEstimatesAreUnknown) {
  auto c = counts(1, 1'000'000, 1, 1'000'000'000'000, 10.0);
  EXPECT_EQ(eta_of(c), "unknown");
}

TEST(ProgressLine, AnInputInProgressForLongIsNamed) {
  // A read blocked on a slow network mount: the counts stop moving, the line says where it waits.
  auto c = counts(3, 10, 3'000'000, 10'000'000, 50.0);
  c.oldest_input = "/mnt/share/apps/big.apk";
  c.oldest_seconds = 42.4;
  EXPECT_EQ(format_progress(c, false),
            "3/10 inputs, 0.1 MB/s, 0 findings, ETA 1:57; still reading /mnt/share/apps/big.apk (0:42)");
  c.oldest_seconds = kNameInputAfterSeconds - 0.5;  // an ordinary input: not named
  EXPECT_EQ(format_progress(c, false).find("still reading"), std::string::npos);
  c.oldest_seconds = 600;
  EXPECT_EQ(format_progress(c, true).find("still reading"), std::string::npos);  // the final line
  c.oldest_input = "/mnt/evil\x1b[2Jname";  // a hostile name cannot drive the terminal
  EXPECT_EQ(format_progress(c, false).find('\x1b'), std::string::npos);
}

TEST(ProgressLine, FinalLineSaysDone) {
  auto line = format_progress(counts(4, 4, 4'000'000, 4'000'000, 2.0), true);
  EXPECT_EQ(line, "4/4 inputs, 2.0 MB/s, 0 findings, done in 0:02");
}

TEST(StderrLines, AWarningErasesTheLiveLineFirst) {
  // stderr goes to a file for the test; the live line too, so the bytes are in order.
  std::FILE* saved = std::tmpfile();
  ASSERT_TRUE(saved);
  std::fflush(stderr);
  int old = dup(fileno(stderr));
  dup2(fileno(saved), fileno(stderr));
  draw_live_line(stderr, "keysweep: 1/9 inputs, ETA 0:21", false);
  print_stderr_line("keysweep: warning: a.bin: not valid UTF-8");
  draw_live_line(stderr, "keysweep: 2/9", false);
  draw_live_line(stderr, "keysweep: 9/9 done", true);
  std::fflush(stderr);
  dup2(old, fileno(stderr));
  close(old);
  std::rewind(saved);
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, saved)) text.append(buf, n);
  std::fclose(saved);
  const std::string live = "\rkeysweep: 1/9 inputs, ETA 0:21";
  const std::string erase = "\r" + std::string(live.size() - 1, ' ') + "\r";
  EXPECT_EQ(text, live + erase + "keysweep: warning: a.bin: not valid UTF-8\n" +
                      "\rkeysweep: 2/9" + "\rkeysweep: 9/9 done\n");
  // The warning starts on a line of its own, never glued to "ETA 0:21".
  EXPECT_EQ(text.find("0:21keysweep"), std::string::npos);
}

}  // namespace
}  // namespace keysweep::cli
