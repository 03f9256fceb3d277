#include "input/libgit2_session.h"

#include <git2.h>

#include "io/bus_error_guard.h"

namespace keysweep {

LibGit2Session::LibGit2Session() {
  // Before libgit2 can map anything.
  BusErrorGuard::guard_foreign_file_mappings();
  git_libgit2_init();
  // Like `git cat-file`, read objects without re-hashing each one: SHA-1 (collision-detecting)
  // of every blob cost more than inflating it. A corrupt object is scanned as what it holds.
  git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

LibGit2Session::~LibGit2Session() { git_libgit2_shutdown(); }

}  // namespace keysweep
