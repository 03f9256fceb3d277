/* A file changed by another process while keysweep reads it, or one on a slow network mount, for
 * end-to-end tests (issue 16.2): loaded with LD_PRELOAD into the keysweep binary under test, it
 * truncates or extends one named file right after keysweep first maps it or first reads from it,
 * or makes the first read or mapping of one named file wait. The unit tests do the same
 * through the FileFaults seam (io/file_faults.h); this shim needs nothing in the shipped binary,
 * so the end-to-end test runs the real signal handling, reporting and exit code of a release
 * build. Happening at a chosen call rather than from a racing process, the change cannot flake.
 *
 *   KEYSWEEP_TEST_CHANGE_FILE   the file to change (its device and inode are compared, so any path
 *                               to it matches)
 *   KEYSWEEP_TEST_CHANGE        truncate:N (cut it to N bytes) or append:N (add N bytes of 'x')
 *   KEYSWEEP_TEST_CHANGE_AFTER  mmap: after the first successful mapping of the file;
 *                               pread: after the first read of it that returns bytes
 *
 * The change is made once, from whichever thread gets there first.
 *
 *   KEYSWEEP_TEST_SLOW_FILE     a file whose first pread or mmap waits, as a read from a stalled
 *                               network mount does until it recovers (device and inode compared)
 *   KEYSWEEP_TEST_SLOW_MS       how long it waits, in milliseconds. Once, not at every call: the
 *                               test must not depend on how many reads keysweep makes of a file. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_done;
static atomic_int g_waited;

static int is_file_named_by(const char* variable, int fd) {
  const char* path = getenv(variable);
  struct stat want, have;
  if (!path || fd < 0) return 0;
  if (stat(path, &want) != 0 || fstat(fd, &have) != 0) return 0;
  return want.st_dev == have.st_dev && want.st_ino == have.st_ino;
}

static int is_the_file(int fd) {
  return !atomic_load(&g_done) && is_file_named_by("KEYSWEEP_TEST_CHANGE_FILE", fd);
}

/* Before the first read or mapping of the slow file: wait as its mount would. */
static void wait_if_slow(int fd) {
  const char* ms = getenv("KEYSWEEP_TEST_SLOW_MS");
  if (!ms || atomic_load(&g_waited) || !is_file_named_by("KEYSWEEP_TEST_SLOW_FILE", fd)) return;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_waited, &expected, 1)) return;
  long long wait = strtoll(ms, NULL, 10);
  struct timespec t = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}

static void change_once(const char* after) {
  const char* when = getenv("KEYSWEEP_TEST_CHANGE_AFTER");
  const char* what = getenv("KEYSWEEP_TEST_CHANGE");
  const char* path = getenv("KEYSWEEP_TEST_CHANGE_FILE");
  if (!when || !what || !path || strcmp(when, after) != 0) return;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_done, &expected, 1)) return;
  if (strncmp(what, "truncate:", 9) == 0) {
    if (truncate(path, (off_t)strtoll(what + 9, NULL, 10)) != 0) abort();
  } else if (strncmp(what, "append:", 7) == 0) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) abort();
    char block[4096];
    memset(block, 'x', sizeof block);
    for (long long left = strtoll(what + 7, NULL, 10); left > 0; left -= (long long)sizeof block)
      if (write(fd, block, left < (long long)sizeof block ? (size_t)left : sizeof block) < 0)
        abort();
    close(fd);
  } else {
    abort(); /* a typo in a test must not pass as "nothing changed" */
  }
}

typedef void* (*mmap_fn)(void*, size_t, int, int, int, off_t);
typedef ssize_t (*pread_fn)(int, void*, size_t, off_t);

void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  static mmap_fn real;
  if (!real) real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
  wait_if_slow(fd);
  void* r = real(addr, length, prot, flags, fd, offset);
  if (r != MAP_FAILED && is_the_file(fd)) change_once("mmap");
  return r;
}
void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
    __attribute__((alias("mmap")));

ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
  static pread_fn real;
  if (!real) real = (pread_fn)dlsym(RTLD_NEXT, "pread");
  wait_if_slow(fd);
  ssize_t r = real(fd, buf, count, offset);
  if (r > 0 && is_the_file(fd)) change_once("pread");
  return r;
}
ssize_t pread64(int fd, void* buf, size_t count, off_t offset) __attribute__((alias("pread")));
