// One reference to libgit2's global state, taken by everything in keysweep that calls libgit2 (a
// repository, the .gitignore filter, the pack window limit): libgit2 needs git_libgit2_init()
// before any call and counts the references, so each user holds one for as long as it lives.
//
// Taking it also guards libgit2's own file mappings (io/bus_error_guard.h): libgit2 maps pack
// windows, indexes and loose objects itself, and a file cut short or a page lost under such a
// mapping raised SIGBUS and ended the whole scan. The guard used to be switched on by the history
// scan alone, so any other path into libgit2 (the .gitignore filter of a directory walk, the
// repository opened for a baseline's paths or a hook) ran unguarded. Here every path is covered
// by construction; whoever reports a scan's diagnostics takes the faults
// (BusErrorGuard::take_foreign_faults) and names the files.
#pragma once

namespace keysweep {

class LibGit2Session {
 public:
  LibGit2Session();
  ~LibGit2Session();
  LibGit2Session(const LibGit2Session&) = delete;
  LibGit2Session& operator=(const LibGit2Session&) = delete;
};

}  // namespace keysweep
