#include "io/bus_error_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace keysweep {

// One guarded range. Slots live for the whole process (the handler may walk the list at any
// moment, so none is ever freed) and are reused by later mappings.
struct BusErrorGuard::Slot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0}, end{0};  // end == 0: nothing guarded
  std::atomic<bool> faulted{false};
  Slot* next = nullptr;  // set before the slot is published, never changed after
};

namespace {

std::atomic<BusErrorGuard::Slot*> g_slots{nullptr};
struct sigaction g_previous;
uintptr_t g_page_size = 4096;

// Foreign mappings (guard_foreign_file_mappings). A fixed table the handler fills without
// allocating: a record is claimed (0 -> 1), written, then published (2); take_foreign_faults
// reads the published ones and frees them (0).
std::atomic<bool> g_guard_foreign{false};
constexpr size_t kForeignRecords = 4;
struct ForeignRecord {
  std::atomic<int> state{0};
  uint64_t offset = 0;
  char path[4096] = {};
};
ForeignRecord g_foreign[kForeignRecords];

// Zeros from the page holding `at` to `end`, over what a truncation or an I/O error took: the
// pages after a truncation are all gone, and one call spares a fault per page. The raw system
// call, not glibc's mmap, which a sanitizer may intercept. Whether it could be done.
uintptr_t page_of(uintptr_t at) { return at & ~(g_page_size - 1); }
bool zero_fill_from(uintptr_t at, uintptr_t end) {
  const uintptr_t page = page_of(at);
  return syscall(SYS_mmap, page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                 0) != -1;
}

bool parse_hex(const char*& p, const char* end, uintptr_t& out) {
  out = 0;
  const char* start = p;
  for (; p < end; ++p) {
    const char c = *p;
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    out = out << 4 | static_cast<uintptr_t>(d);
  }
  return p != start;
}

void skip_field(const char*& p, const char* end) {
  while (p < end && *p != ' ') ++p;
  while (p < end && *p == ' ') ++p;
}

// One line of /proc/self/maps: "begin-end perms offset dev inode   path". Whether it is a
// read-only mapping of a file holding `at`; if so its extent, file offset and path.
bool foreign_file_mapping(const char* p, const char* end, uintptr_t at, uintptr_t& begin,
                          uintptr_t& finish, uint64_t& offset, const char*& path,
                          size_t& path_length) {
  if (!parse_hex(p, end, begin) || p == end || *p++ != '-' || !parse_hex(p, end, finish))
    return false;
  if (at < begin || at >= finish) return false;
  while (p < end && *p == ' ') ++p;
  if (end - p < 4 || p[0] != 'r' || p[1] == 'w') return false;  // readable, never writable
  skip_field(p, end);
  uintptr_t file_offset;
  if (!parse_hex(p, end, file_offset)) return false;
  offset = file_offset;
  skip_field(p, end);
  skip_field(p, end);  // device
  uintptr_t inode = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p)
    inode = inode * 10 + static_cast<uintptr_t>(*p - '0');
  if (inode == 0) return false;  // anonymous memory, a stack, the heap
  while (p < end && *p == ' ') ++p;
  if (p == end || *p != '/') return false;
  path = p;
  path_length = static_cast<size_t>(end - p);
  return true;
}

// Finds the mapping holding `at` and, if it is a read-only file mapping, zero-fills it from the
// faulting page on and records the file. Raw system calls only (see on_bus_error).
bool guard_foreign(uintptr_t at) {
  const long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  size_t have = 0;
  bool done = false, handled = false;
  while (!done) {
    const long n = syscall(SYS_read, fd, buf + have, sizeof buf - have);
    if (n <= 0)
      done = true;
    else
      have += static_cast<size_t>(n);
    const char* line = buf;
    const char* const filled = buf + have;
    for (const char* nl;
         (nl = static_cast<const char*>(memchr(line, '\n', static_cast<size_t>(filled - line))));
         line = nl + 1) {
      uintptr_t begin, finish;
      uint64_t offset;
      const char* path;
      size_t path_length;
      if (!foreign_file_mapping(line, nl, at, begin, finish, offset, path, path_length)) continue;
      if (!zero_fill_from(at, finish)) break;
      handled = true;
      const uint64_t lost_at = offset + (page_of(at) - begin);
      for (auto& r : g_foreign) {
        const int state = r.state.load(std::memory_order_acquire);
        if (state == 2 && path_length == strnlen(r.path, sizeof r.path) &&
            memcmp(r.path, path, path_length) == 0) {
          if (lost_at < r.offset) r.offset = lost_at;  // the same file faulting again: one record
          break;
        }
        int expected = 0;
        if (!r.state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) continue;
        const size_t n_copy = path_length < sizeof r.path - 1 ? path_length : sizeof r.path - 1;
        memcpy(r.path, path, n_copy);
        r.path[n_copy] = 0;
        r.offset = lost_at;
        r.state.store(2, std::memory_order_release);
        break;
      }
      done = true;
      break;
    }
    if (done) break;
    // Keep the unfinished line; a line longer than the buffer (a path near PATH_MAX) is dropped.
    const size_t rest = static_cast<size_t>(filled - line);
    if (rest == sizeof buf) {
      have = 0;
    } else {
      memmove(buf, line, rest);
      have = rest;
    }
  }
  syscall(SYS_close, fd);
  return handled;
}

// Runs on the thread whose read faulted. Only lock-free atomics and raw system calls: the
// thread may have been anywhere, malloc's locks included.
void on_bus_error(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (BusErrorGuard::Slot* s = g_slots.load(std::memory_order_acquire); s; s = s->next) {
    const uintptr_t begin = s->begin.load(std::memory_order_acquire);
    const uintptr_t end = s->end.load(std::memory_order_acquire);
    if (end == 0 || at < begin || at >= end) continue;
    if (zero_fill_from(at, end)) {  // to the end of the guarded range
      s->faulted.store(true, std::memory_order_release);
      errno = saved_errno;
      return;  // the read runs again and now finds zeros
    }
    break;
  }
  // A read-only file mapping a library made (libgit2's pack windows), when asked for. Only a
  // fault beyond the file's end or a failed page-in (BUS_ADRERR), never a hardware memory error.
  if (g_guard_foreign.load(std::memory_order_acquire) && info->si_code == BUS_ADRERR &&
      guard_foreign(at)) {
    errno = saved_errno;
    return;
  }
  // Not a guarded mapping (or no memory for the zeros): what SIGBUS did before. Restoring the
  // previous action and returning makes the instruction fault again under it.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction) return g_previous.sa_sigaction(sig, info, context);
  } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler) {
    return g_previous.sa_handler(sig);
  }
  sigaction(SIGBUS, &g_previous, nullptr);
  errno = saved_errno;
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    struct sigaction sa {};
    sa.sa_sigaction = on_bus_error;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGBUS, &sa, &g_previous);
  });
}

BusErrorGuard::Slot* take_slot() {
  for (BusErrorGuard::Slot* s = g_slots.load(std::memory_order_acquire); s; s = s->next) {
    bool expected = false;
    if (s->taken.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return s;
  }
  auto* s = new BusErrorGuard::Slot;  // lives as long as the process: see Slot
  s->taken.store(true, std::memory_order_relaxed);
  BusErrorGuard::Slot* head = g_slots.load(std::memory_order_acquire);
  do {
    s->next = head;
  } while (!g_slots.compare_exchange_weak(head, s, std::memory_order_acq_rel, std::memory_order_acquire));
  return s;
}

}  // namespace

BusErrorGuard::BusErrorGuard(const void* addr, size_t length) : slot_(nullptr) {
  if (length == 0) return;
  install_handler();
  slot_ = take_slot();
  slot_->faulted.store(false, std::memory_order_relaxed);
  slot_->begin.store(reinterpret_cast<uintptr_t>(addr), std::memory_order_relaxed);
  slot_->end.store(reinterpret_cast<uintptr_t>(addr) + length, std::memory_order_release);
}

BusErrorGuard::~BusErrorGuard() {
  if (!slot_) return;
  slot_->end.store(0, std::memory_order_release);
  slot_->begin.store(0, std::memory_order_relaxed);
  slot_->taken.store(false, std::memory_order_release);
}

bool BusErrorGuard::faulted() const { return slot_ && slot_->faulted.load(std::memory_order_acquire); }

void BusErrorGuard::guard_foreign_file_mappings() {
  install_handler();
  g_guard_foreign.store(true, std::memory_order_release);
}

bool BusErrorGuard::guarding_foreign_file_mappings() {
  return g_guard_foreign.load(std::memory_order_acquire);
}

std::vector<ForeignMappingFault> BusErrorGuard::take_foreign_faults() {
  std::vector<ForeignMappingFault> out;
  for (auto& r : g_foreign) {
    if (r.state.load(std::memory_order_acquire) != 2) continue;
    out.push_back({r.path, r.offset});
    r.state.store(0, std::memory_order_release);
  }
  return out;
}

}  // namespace keysweep
