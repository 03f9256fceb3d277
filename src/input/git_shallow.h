// Commit order for shallow clones. libgit2 1.5's revwalk stops with "object not found" at the
// parents a shallow clone (CI checkouts: `fetch-depth: 1`) does not have; git itself treats the
// commits listed in GITDIR/shallow as roots, and so does this walk.
#pragma once

#include <git2.h>

#include <vector>

#include "keysweep/error.h"

namespace keysweep {

// Whether the repository is a shallow clone (GITDIR/shallow lists its cut-off commits).
bool is_shallow_clone(git_repository* repo);

// The commits reachable from `tips` and not from `hidden`, parents before children (ties: the
// older commit time first; the walk of every ref passes the refs' commits as `tips`, each
// unreadable ref named by the caller). Parents that are missing, and the parents of the shallow
// file's commits, end the walk there. Also the fallback for a damaged repository, where libgit2's
// own walk stops at the first commit it cannot read: `unreadable` (if given) gets the commits that
// were named (as a tip or a parent) but could not be read.
Result<std::vector<git_oid>> shallow_commit_order(git_repository* repo,
                                                  const std::vector<git_oid>& tips,
                                                  const std::vector<git_oid>& hidden,
                                                  std::vector<git_oid>* unreadable = nullptr);

}  // namespace keysweep
