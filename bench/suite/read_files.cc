// The read-only floor for the scan suite: walks a tree the way keysweep's walker does (readdir +
// lstat, symlinks not followed) and reads every regular file into one reused buffer per thread with
// open/read/close, while the walk goes on (one walker thread feeding JOBS readers, as keysweep). No matching: what is left is the cost of the file system
// and the system calls, which no scanner of the same files can beat.
//
// `cat` via xargs is the other floor the suite reports, but cat maps, faults in and unmaps a fresh
// 128 KiB buffer and calls posix_fadvise for every file; on a tree of small files that is most of
// its time, so it measures cat more than the files.
//
// Usage: read_files JOBS DIR...   prints "FILES BYTES" to stdout.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: read_files JOBS DIR...\n");
    return 2;
  }
  int jobs = std::max(1, std::atoi(argv[1]));
  PathQueue queue;
  std::atomic<uint64_t> files{0}, bytes{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < jobs; ++i) {
    readers.emplace_back([&] {
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
      }
      files += f;
      bytes += b;
    });
  }
  for (int i = 2; i < argc; ++i) walk(argv[i], queue);
  queue.close();
  for (auto& t : readers) t.join();
  std::printf("%llu %llu\n", static_cast<unsigned long long>(files.load()),
              static_cast<unsigned long long>(bytes.load()));
  return 0;
}
