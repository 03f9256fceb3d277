#include "input/git_shallow.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace keysweep {

namespace {

struct OidHash {
  size_t operator()(const git_oid& id) const {
    size_t h;
    std::memcpy(&h, id.id, sizeof h);
    return h;
  }
};
struct OidEq {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b); }
};
using OidSet = std::unordered_set<git_oid, OidHash, OidEq>;

std::string shallow_file(git_repository* repo) {
  return std::string(git_repository_commondir(repo)) + "shallow";
}

OidSet read_shallow(git_repository* repo) {
  OidSet out;
  std::ifstream in(shallow_file(repo));
  std::string line;
  git_oid id;
  while (std::getline(in, line))
    if (line.size() >= GIT_OID_HEXSZ && git_oid_fromstrn(&id, line.data(), GIT_OID_HEXSZ) == 0)
      out.insert(id);
  return out;
}

// Parents of `id` to follow: none for a shallow commit or one that cannot be read.
std::vector<git_oid> parents_of(git_repository* repo, const git_oid& id, const OidSet& shallow) {
  std::vector<git_oid> out;
  if (shallow.contains(id)) return out;
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, &id) != 0) return out;
  for (unsigned i = 0, n = git_commit_parentcount(c); i < n; ++i)
    if (const git_oid* p = git_commit_parent_id(c, i)) out.push_back(*p);
  git_commit_free(c);
  return out;
}

// Every commit reachable from `starts`, not entering `stop`, that can be read.
OidSet reachable(git_repository* repo, const std::vector<git_oid>& starts, const OidSet& stop,
                 const OidSet& shallow, std::vector<git_oid>* unreadable = nullptr) {
  OidSet seen;
  std::vector<git_oid> stack;
  for (const auto& s : starts)
    if (!stop.contains(s)) stack.push_back(s);
  while (!stack.empty()) {
    git_oid id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    for (const auto& p : parents_of(repo, id, shallow))
      if (!stop.contains(p) && !seen.contains(p)) stack.push_back(p);
  }
  // Drop ids that are not readable commits (a missing parent named by a readable child).
  for (auto it = seen.begin(); it != seen.end();) {
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo, &*it) != 0) {
      if (unreadable) unreadable->push_back(*it);
      it = seen.erase(it);
    } else {
      git_commit_free(c);
      ++it;
    }
  }
  git_error_clear();
  return seen;
}

}  // namespace

bool is_shallow_clone(git_repository* repo) { return git_repository_is_shallow(repo) == 1; }

Result<std::vector<git_oid>> shallow_commit_order(git_repository* repo,
                                                  const std::vector<git_oid>& tips,
                                                  const std::vector<git_oid>& hidden,
                                                  std::vector<git_oid>* unreadable) {
  OidSet shallow = read_shallow(repo);
  OidSet hidden_set = reachable(repo, hidden, {}, shallow);
  OidSet visible = reachable(repo, tips, hidden_set, shallow, unreadable);
  // In id order: the messages naming them do not depend on hashing.
  if (unreadable)
    std::sort(unreadable->begin(), unreadable->end(),
              [](const git_oid& a, const git_oid& b) { return git_oid_cmp(&a, &b) < 0; });

  // Kahn's algorithm: a commit is ready once its parents inside the set are out.
  std::unordered_map<git_oid, int, OidHash, OidEq> waiting;
  std::unordered_map<git_oid, std::vector<git_oid>, OidHash, OidEq> children;
  for (const auto& id : visible) {
    int n = 0;
    for (const auto& p : parents_of(repo, id, shallow))
      if (visible.contains(p)) {
        ++n;
        children[p].push_back(id);
      }
    waiting[id] = n;
  }
  struct Ready {
    git_time_t time;
    git_oid id;
    bool operator>(const Ready& o) const {
      return time != o.time ? time > o.time : git_oid_cmp(&id, &o.id) > 0;
    }
  };
  auto time_of = [&](const git_oid& id) {
    git_commit* c = nullptr;
    git_time_t t = 0;
    if (git_commit_lookup(&c, repo, &id) == 0) {
      t = git_commit_time(c);
      git_commit_free(c);
    }
    return t;
  };
  std::priority_queue<Ready, std::vector<Ready>, std::greater<Ready>> ready;
  for (const auto& [id, n] : waiting)
    if (n == 0) ready.push({time_of(id), id});
  std::vector<git_oid> order;
  while (!ready.empty()) {
    git_oid id = ready.top().id;
    ready.pop();
    order.push_back(id);
    for (const auto& child : children[id])
      if (--waiting[child] == 0) ready.push({time_of(child), child});
  }
  return order;
}

}  // namespace keysweep
