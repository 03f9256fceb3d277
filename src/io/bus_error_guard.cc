#include "io/bus_error_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
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

// Runs on the thread whose read faulted. Only lock-free atomics and raw system calls: the
// thread may have been anywhere, malloc's locks included.
void on_bus_error(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto at = reinterpret_cast<uintptr_t>(info->si_addr);
  for (BusErrorGuard::Slot* s = g_slots.load(std::memory_order_acquire); s; s = s->next) {
    const uintptr_t begin = s->begin.load(std::memory_order_acquire);
    const uintptr_t end = s->end.load(std::memory_order_acquire);
    if (end == 0 || at < begin || at >= end) continue;
    // Zeros from the faulting page to the end of the mapping: the pages after a truncation are
    // all gone, and one call spares a fault per page. The raw system call, not glibc's mmap,
    // which a sanitizer may intercept.
    const uintptr_t page = at & ~(g_page_size - 1);
    const long r = syscall(SYS_mmap, page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r != -1) {
      s->faulted.store(true, std::memory_order_release);
      errno = saved_errno;
      return;  // the read runs again and now finds zeros
    }
    break;
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

}  // namespace keysweep
