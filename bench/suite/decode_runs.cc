// The decode pass's run finder (src/decode/encoded_runs.cc) alone over a corpus: thread CPU seconds
// of find_encoded_runs on every file, each timed on its second call (the file's bytes in cache, as
// in a scan, where they were just read and matched), best of 5 passes. To compare two versions of
// the finder, build this once with each encoded_runs.cc.
//
// Build (from the source root, one line):
//   c++ -O2 -std=c++20 -Isrc -Iinclude -o build/bench-tools/decode_runs bench/suite/decode_runs.cc
//       src/decode/encoded_runs.cc
// Usage: decode_runs DIR...   prints "SECONDS s, RUNS runs"
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "decode/encoded_runs.h"

namespace {

void read_tree(const std::string& path, std::vector<std::string>& files) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    std::ifstream in(path, std::ios::binary);
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;
  DIR* d = opendir(path.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.emplace_back(e->d_name);
  closedir(d);
  for (const auto& n : names) read_tree(path + "/" + n, files);
}

double thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: decode_runs DIR...\n");
    return 2;
  }
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) read_tree(argv[i], files);
  std::vector<keysweep::decode::EncodedRun> out;
  double best = 1e30;
  size_t runs = 0;
  for (int pass = 0; pass < 5; ++pass) {
    double spent = 0;
    runs = 0;
    for (const std::string& f : files) {
      out.clear();
      keysweep::decode::find_encoded_runs(f, 1 << 20, out);  // brings the file into cache
      out.clear();
      const double t0 = thread_cpu();
      keysweep::decode::find_encoded_runs(f, 1 << 20, out);
      spent += thread_cpu() - t0;
      runs += out.size();
    }
    best = std::min(best, spent);
  }
  std::printf("%.3f s, %zu runs\n", best, runs);
  return 0;
}
