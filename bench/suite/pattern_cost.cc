// What each rule pattern costs Vectorscan over a corpus (issue 16.5): which of the patterns make the
// one database keysweep scans with slow. The corpus is read into memory once, so only matching is
// timed (thread CPU time, so other load on the machine counts less), one hs_scan per file as
// keysweep and read_files --vectorscan do.
//
// Build (from the source root, one line):
//   c++ -O2 -std=c++23 -Isrc -DKEYSWEEP_PATTERN_TAIL=1 -o build/bench-tools/pattern_cost
//       bench/suite/pattern_cost.cc src/match/pattern_tail.cc -lhs
// or without --heads: c++ -O2 -std=c++20 -o ... bench/suite/pattern_cost.cc -lhs
// Patterns: build/release/src/cli/keysweep rules export --format ripgrep > patterns.txt
//
// Usage: pattern_cost [--sample N] [--leave-out] [--without LIST] PATTERNS DIR...
//   PATTERNS   one pattern a line (`keysweep rules export --format ripgrep`); each compiled exactly
//              when Vectorscan can and in prefilter mode when it cannot, as keysweep does
//   --sample N read every Nth file only (default 1: all)
//   --leave-out  also time the whole set without each pattern in turn (slow: one compile each)
//   --baseline compile for Vectorscan's baseline target (no tuning, no AVX2), as keysweep's
//              built-in database is; default: for this CPU
//   --heads    give Vectorscan each pattern's head, as keysweep does (match/pattern_tail.h)
//   --without LIST  time the whole set without the patterns at these 0-based lines ("3,17,40")
//                instead of timing each pattern (repeatable: one line each)
// Prints the whole set's time, then one line a pattern, slowest first:
//   "alone_s  without_s  matches  line  pattern"   (without_s: the set without it, with --leave-out)
#include <dirent.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#if KEYSWEEP_PATTERN_TAIL
#include "match/pattern_tail.h"
#endif

namespace {

struct Corpus {
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> files;  // offset, size
};

void walk(const std::string& path, Corpus& c, size_t sample, size_t& seen) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    if (seen++ % sample != 0) return;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    size_t at = c.bytes.size();
    c.bytes.resize(at + static_cast<size_t>(st.st_size));
    size_t got = 0;
    ssize_t n;
    while (got < static_cast<size_t>(st.st_size) &&
           (n = read(fd, c.bytes.data() + at + got, static_cast<size_t>(st.st_size) - got)) > 0)
      got += static_cast<size_t>(n);
    c.bytes.resize(at + got);
    close(fd);
    c.files.push_back({at, got});
  } else if (S_ISDIR(st.st_mode)) {
    DIR* d = opendir(path.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) walk(path + "/" + n, c, sample, seen);
  }
}

unsigned flags_for(const std::string& p) {
  hs_database_t* one = nullptr;
  hs_compile_error_t* err = nullptr;
  unsigned f = HS_FLAG_ALLOWEMPTY;
  if (hs_compile(p.c_str(), f, HS_MODE_BLOCK, nullptr, &one, &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    f |= HS_FLAG_PREFILTER;
  }
  hs_free_database(one);
  return f;
}

bool baseline_target = false;

hs_database_t* compile(const std::vector<std::string>& pats, const std::vector<unsigned>& flags,
                       const std::vector<size_t>& which) {
  std::vector<const char*> exprs;
  std::vector<unsigned> fl, ids;
  for (size_t i : which) {
    exprs.push_back(pats[i].c_str());
    fl.push_back(flags[i]);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  hs_platform_info_t baseline{};  // tune 0, no CPU features
  if (hs_compile_multi(exprs.data(), fl.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_BLOCK, baseline_target ? &baseline : nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "pattern_cost: Vectorscan rejects the set: %s\n", err ? err->message : "?");
    std::exit(2);
  }
  return db;
}

double thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The fastest of `reps` scans of the whole corpus with `db`: CPU seconds, and the matches counted.
double time_scan(hs_database_t* db, const Corpus& c, int reps, unsigned long long& matches) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) std::abort();
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<unsigned long long*>(ctx);
    return 0;
  };
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    matches = 0;
    double t0 = thread_cpu();
    for (auto [at, n] : c.files)
      hs_scan(db, c.bytes.data() + at, static_cast<unsigned>(n), 0, scratch, on_match, &matches);
    best = std::min(best, thread_cpu() - t0);
  }
  hs_free_scratch(scratch);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  size_t sample = 1;
  bool leave_out = false;
  [[maybe_unused]] bool heads = false;
  std::vector<std::vector<size_t>> without_sets;
  int a = 1;
  for (; a < argc && argv[a][0] == '-'; ++a) {
    if (!std::strcmp(argv[a], "--sample") && a + 1 < argc) {
      sample = std::max<size_t>(1, std::strtoul(argv[++a], nullptr, 10));
    } else if (!std::strcmp(argv[a], "--baseline")) {
      baseline_target = true;
    } else if (!std::strcmp(argv[a], "--heads")) {
#if !KEYSWEEP_PATTERN_TAIL
      std::fprintf(stderr, "pattern_cost: --heads needs a build with src/match/pattern_tail.cc\n");
      return 2;
#endif
      heads = true;
    } else if (!std::strcmp(argv[a], "--leave-out")) {
      leave_out = true;
    } else if (!std::strcmp(argv[a], "--without") && a + 1 < argc) {
      std::stringstream ss(argv[++a]);
      without_sets.emplace_back();
      for (std::string item; std::getline(ss, item, ',');) without_sets.back().push_back(std::stoul(item));
    } else {
      break;
    }
  }
  if (argc - a < 2) {
    std::fprintf(stderr, "usage: pattern_cost [--sample N] [--leave-out] [--without LIST] PATTERNS DIR...\n");
    return 2;
  }
  std::ifstream in(argv[a]);
  std::vector<std::string> pats;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) pats.push_back(line);
#if KEYSWEEP_PATTERN_TAIL
  // A pattern Vectorscan compiles only in prefilter mode keeps its whole pattern, as in keysweep.
  if (heads)
    for (auto& p : pats)
      if (auto split = keysweep::split_pattern_tail(p); split && !(flags_for(p) & HS_FLAG_PREFILTER)) p = split->head;
#endif
  std::vector<unsigned> flags;
  for (const auto& p : pats) flags.push_back(flags_for(p));

  Corpus c;
  size_t seen = 0;
  for (int i = a + 1; i < argc; ++i) walk(argv[i], c, sample, seen);
  std::printf("corpus: %zu files, %zu bytes (every %zu. of %zu)\n", c.files.size(), c.bytes.size(),
              sample, seen);

  std::vector<size_t> all(pats.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  unsigned long long m = 0;
  hs_database_t* db = compile(pats, flags, all);
  double whole = time_scan(db, c, 3, m);
  hs_free_database(db);
  std::printf("all %zu patterns: %.3f s, %llu matches\n", pats.size(), whole, m);
  for (const auto& without : without_sets) {
    std::vector<size_t> rest;
    for (size_t i : all)
      if (std::find(without.begin(), without.end(), i) == without.end()) rest.push_back(i);
    db = compile(pats, flags, rest);
    double t = time_scan(db, c, 3, m);
    hs_free_database(db);
    std::printf("without %zu of them (%s): %.3f s, %llu matches\n", without.size(),
                [&] {
                  std::string list;
                  for (size_t i : without) list += (list.empty() ? "" : ",") + std::to_string(i);
                  return list;
                }().c_str(),
                t, m);
  }
  if (!without_sets.empty()) return 0;  // the sets asked for only

  struct Row {
    double alone, without;
    unsigned long long matches;
    size_t line;
  };
  std::vector<Row> rows;
  for (size_t i : all) {
    Row r{0, 0, 0, i};
    db = compile(pats, flags, {i});
    r.alone = time_scan(db, c, 1, r.matches);
    hs_free_database(db);
    if (leave_out) {
      std::vector<size_t> rest;
      for (size_t j : all)
        if (j != i) rest.push_back(j);
      db = compile(pats, flags, rest);
      unsigned long long ignored;
      r.without = time_scan(db, c, 1, ignored);
      hs_free_database(db);
    }
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [&](const Row& x, const Row& y) {
    return leave_out ? x.without < y.without : x.alone > y.alone;
  });
  for (const Row& r : rows)
    std::printf("%8.3f %8.3f %10llu %4zu%s %s\n", r.alone, r.without, r.matches, r.line,
                (flags[r.line] & HS_FLAG_PREFILTER) ? "p" : " ", pats[r.line].c_str());
  return 0;
}
