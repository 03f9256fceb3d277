// The read-only floor for the scan suite: walks a tree the way keysweep's walker does (readdir +
// lstat, symlinks not followed) and reads every regular file into one reused buffer per thread with
// open/read/close, while the walk goes on (one walker thread feeding JOBS readers, as keysweep). No matching: what is left is the cost of the file system
// and the system calls, which no scanner of the same files can beat.
//
// `cat` via xargs is the other floor the suite reports, but cat maps, faults in and unmaps a fresh
// 128 KiB buffer and calls posix_fadvise for every file; on a tree of small files that is most of
// its time, so it measures cat more than the files.
//
// Usage: read_files [--vectorscan PATTERNS [--heads]] JOBS DIR...   prints "FILES BYTES [MATCHES]".
//
// With --vectorscan, each reader also runs raw Vectorscan over every file it read: the patterns
// (one per line: `keysweep rules export --format ripgrep` plus the file's own tail) in one block-
// mode database, each compiled exactly when Vectorscan can and in prefilter mode when it cannot
// (keysweep's own database does the same, src/match/database.h), matches only counted. That is the
// matching floor: what keysweep spends beyond it is confirmation, extraction, context, decoding
// and reporting.
//
// --heads gives Vectorscan the database keysweep's built-in one is: each pattern's head where
// src/match/pattern_tail.h takes a tail off, a pattern split at its keywords
// (src/match/keyword_split.h) as its rest and its keywords (tails and keyword forms are not
// checked: matches of what Vectorscan is given are counted), flags as keysweep's, compiled for
// Vectorscan's baseline target. The true floor of keysweep's own matching pass; needs a build with
// -DKEYSWEEP_PATTERN_TAIL=1 -Isrc src/match/pattern_tail.cc src/match/keyword_split.cc
// (bench/suite/scan_throughput.sh builds it so).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if KEYSWEEP_BENCH_VECTORSCAN
#include <hs/hs.h>
#endif
#if KEYSWEEP_PATTERN_TAIL
#include "match/keyword_split.h"
#include "match/pattern_tail.h"
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

class PathQueue {
 public:
  void push(std::pair<std::string, size_t> p) {
    std::lock_guard lock(mu_);
    q_.push_back(std::move(p));
    cv_.notify_one();
  }
  bool pop(std::pair<std::string, size_t>& out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    return true;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, size_t>> q_;
  bool closed_ = false;
};

void walk(const std::string& path, PathQueue& q) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    q.push({path, static_cast<size_t>(st.st_size)});
  } else if (S_ISDIR(st.st_mode)) {
    DIR* d = opendir(path.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    }
    closedir(d);
    for (const auto& n : names) walk(path + "/" + n, q);
  }
}

#if KEYSWEEP_BENCH_VECTORSCAN
// Compiling 348 patterns takes seconds: the database is kept beside the pattern file
// (PATTERNS.hsdb) and loaded by later runs, so timed runs measure reading and matching only.
bool heads = false;  // --heads

hs_database_t* compile_patterns(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> patterns;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) patterns.push_back(line);
  std::vector<const char*> exprs;
  std::vector<unsigned> flags, ids;
  size_t prefiltered = 0, split = 0;
  std::vector<std::string> extra;  // keywords of split patterns, after the patterns
  hs_platform_info_t baseline{};  // tune 0, no CPU features: keysweep's built-in database
  for (size_t i = 0; i < patterns.size(); ++i) {
    hs_database_t* one = nullptr;
    hs_compile_error_t* err = nullptr;
    unsigned f = heads ? 0 : HS_FLAG_ALLOWEMPTY;
    if (hs_compile(patterns[i].c_str(), f, HS_MODE_BLOCK, nullptr, &one, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      f |= HS_FLAG_PREFILTER;  // keysweep keeps such a pattern whole, as here
      ++prefiltered;
    }
    hs_free_database(one);
#if KEYSWEEP_PATTERN_TAIL
    if (heads && !(f & HS_FLAG_PREFILTER)) {
      if (auto keywords = keysweep::split_keyword_pattern(patterns[i])) {
        patterns[i] = keywords->rest;
        for (const auto& k : keywords->keywords) extra.push_back(k.pattern);
        ++split;
      } else if (auto head = keysweep::split_pattern_tail(patterns[i])) {
        patterns[i] = std::move(head->head);
        ++split;
      }
    }
#endif
    exprs.push_back(patterns[i].c_str());
    flags.push_back(f);
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const std::string& e : extra) {
    exprs.push_back(e.c_str());
    flags.push_back(0);
    ids.push_back(static_cast<unsigned>(exprs.size() - 1));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_BLOCK, heads ? &baseline : nullptr, &db, &err) != HS_SUCCESS) {
    std::fprintf(stderr, "read_files: Vectorscan rejects the set: %s\n", err ? err->message : "?");
    std::exit(2);
  }
  std::fprintf(stderr, "read_files: %zu patterns, %zu in prefilter mode", patterns.size(), prefiltered);
  if (heads) std::fprintf(stderr, ", %zu given as heads or split at keywords, baseline target", split);
  std::fprintf(stderr, "\n");
  return db;
}

hs_database_t* load_or_compile(const char* path) {
  const std::string cached = std::string(path) + (heads ? ".heads.hsdb" : ".hsdb");
  std::ifstream in(cached, std::ios::binary);
  if (in) {
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    hs_database_t* db = nullptr;
    if (hs_deserialize_database(bytes.data(), bytes.size(), &db) == HS_SUCCESS) return db;
  }
  hs_database_t* db = compile_patterns(path);
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) == HS_SUCCESS) {
    std::ofstream(cached, std::ios::binary).write(bytes, static_cast<std::streamsize>(size));
    std::free(bytes);
  }
  return db;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const char* vectorscan = nullptr;
  if (argc > 2 && std::strcmp(argv[1], "--vectorscan") == 0) {
    vectorscan = argv[2];
    argv += 2;
    argc -= 2;
    if (argc > 1 && std::strcmp(argv[1], "--heads") == 0) {
#if !KEYSWEEP_PATTERN_TAIL
      std::fprintf(stderr, "read_files: --heads needs a build with src/match/pattern_tail.cc\n");
      return 2;
#endif
      ++argv;
      --argc;
#if KEYSWEEP_BENCH_VECTORSCAN
      heads = true;
#endif
    }
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: read_files [--vectorscan PATTERNS [--heads]] JOBS DIR...\n");
    return 2;
  }
#if KEYSWEEP_BENCH_VECTORSCAN
  hs_database_t* db = vectorscan ? load_or_compile(vectorscan) : nullptr;
#else
  if (vectorscan) {
    std::fprintf(stderr, "read_files: built without Vectorscan (-DKEYSWEEP_BENCH_VECTORSCAN=1 -lhs)\n");
    return 2;
  }
#endif
  int jobs = std::max(1, std::atoi(argv[1]));
  std::atomic<uint64_t> matches{0};
  PathQueue queue;
  std::atomic<uint64_t> files{0}, bytes{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < jobs; ++i) {
    readers.emplace_back([&] {
#if KEYSWEEP_BENCH_VECTORSCAN
      hs_scratch_t* scratch = nullptr;
      if (db && hs_alloc_scratch(db, &scratch) != HS_SUCCESS) std::abort();
      uint64_t m = 0;
      auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
        ++*static_cast<uint64_t*>(ctx);
        return 0;
      };
#endif
      std::vector<char> buf;
      std::pair<std::string, size_t> item;
      uint64_t f = 0, b = 0;
      while (queue.pop(item)) {
        int fd = open(item.first.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        // As keysweep does: the size from lstat, read until it is in (no extra read to see EOF).
        if (buf.size() < item.second) buf.resize(item.second);
        size_t got = 0;
        ssize_t n;
        while (got < item.second && (n = read(fd, buf.data() + got, item.second - got)) > 0)
          got += static_cast<size_t>(n);
        b += got;
        close(fd);
        ++f;
#if KEYSWEEP_BENCH_VECTORSCAN
        if (db) hs_scan(db, buf.data(), static_cast<unsigned>(got), 0, scratch, on_match, &m);
#endif
      }
      files += f;
      bytes += b;
#if KEYSWEEP_BENCH_VECTORSCAN
      matches += m;
      hs_free_scratch(scratch);
#endif
    });
  }
  for (int i = 2; i < argc; ++i) walk(argv[i], queue);
  queue.close();
  for (auto& t : readers) t.join();
  std::printf("%llu %llu", static_cast<unsigned long long>(files.load()),
              static_cast<unsigned long long>(bytes.load()));
  if (vectorscan) std::printf(" %llu", static_cast<unsigned long long>(matches.load()));
  std::printf("\n");
  return 0;
}
