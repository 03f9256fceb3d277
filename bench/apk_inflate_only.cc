// The floor under scanning APKs: open each file, walk its zip central directory and inflate every
// entry with libdeflate into a reused buffer. Nothing else: no sniffing, no nested containers, no
// parsing of DEX or resources, no matching. bench/suite/apk_throughput.sh compares keysweep with it.
//
//   apk_inflate_only JOBS PATH...     (PATH: a file, or a directory walked recursively)
// Prints: files, entries inflated, entries stored, compressed and uncompressed bytes, and the
// files it could not walk (bad or ZIP64 directories), which it skips. Files up to 1 MiB are read
// into a per-thread buffer and larger ones mapped, as keysweep's pipeline does.
//
// Built a second time as apk_inflate_match (KEYSWEEP_INFLATE_AND_MATCH): the same walk, then
// keysweep's matcher with every built-in rule over each entry's bytes as they are (inflated or
// stored), no parsing. What a scanner that greps the inside of an APK costs: the reference between
// inflate-only and keysweep, which parses DEX, resources and manifests before it matches.
#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifdef KEYSWEEP_INFLATE_AND_MATCH
#include "core/blob.h"
#include "formats/zip/zip_archive.h"
#include "match/matcher.h"
#include "rules/rule.h"
#endif

namespace {

#ifdef KEYSWEEP_INFLATE_AND_MATCH
const keysweep::Matcher* g_matcher = nullptr;
thread_local std::unique_ptr<keysweep::Matcher::Scratch> t_scratch;
std::atomic<uint64_t> g_matches{0};

// Runs every rule over one entry's bytes (the matcher confirms each candidate with RE2).
// Media keysweep never reads are skipped too (the same test): grepping a PNG would charge this
// reference for work keysweep omits.
void match_entry(std::string_view name, std::string_view bytes) {
  if (keysweep::zip::is_media_only(name)) return;
  if (!t_scratch) t_scratch = g_matcher->make_scratch();
  keysweep::Blob blob(bytes, nullptr, {"entry"});
  std::vector<keysweep::RuleMatch> found;
  if (g_matcher->scan(blob, *t_scratch, found)) g_matches += found.size();
}
#else
void match_entry(std::string_view, std::string_view) {}
#endif

constexpr uint64_t kReadThreshold = 1u << 20;
constexpr uint64_t kMaxEntrySize = 512ull << 20;  // keysweep's default --max-file-size

struct Totals {
  std::atomic<uint64_t> files{0}, skipped{0}, inflated{0}, stored{0}, errors{0};
  std::atomic<uint64_t> compressed_bytes{0}, uncompressed_bytes{0};
};

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// Walks one archive; false when its central directory cannot be used.
bool inflate_archive(std::string_view data, libdeflate_decompressor* d, std::string& out,
                     Totals& t) {
  const auto* b = reinterpret_cast<const unsigned char*>(data.data());
  const size_t n = data.size();
  if (n < 22) return false;
  size_t eocd = SIZE_MAX;
  size_t lowest = n > 22 + 65535 ? n - 22 - 65535 : 0;
  for (size_t i = n - 22 + 1; i-- > lowest;) {
    if (le32(b + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == SIZE_MAX) return false;
  uint64_t count = le16(b + eocd + 10), cd_size = le32(b + eocd + 12), cd_off = le32(b + eocd + 16);
  if (count == 0xffff || cd_off == 0xffffffff || cd_off + cd_size > eocd) return false;  // ZIP64
  // Bytes before the archive (a signing block sits between entries and directory, not before).
  uint64_t prefix = eocd - cd_size - cd_off;
  size_t p = cd_off + prefix;
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > eocd || le32(b + p) != 0x02014b50) return false;
    uint16_t method = le16(b + p + 10);
    uint64_t csize = le32(b + p + 20), usize = le32(b + p + 24);
    uint64_t name_len = le16(b + p + 28), extra_len = le16(b + p + 30), comment_len = le16(b + p + 32);
    uint64_t local = le32(b + p + 42) + prefix;
    std::string_view name(data.data() + p + 46, std::min<uint64_t>(name_len, n - p - 46));
    p += 46 + name_len + extra_len + comment_len;
    if (local + 30 > n || le32(b + local) != 0x04034b50) {
      ++t.errors;
      continue;
    }
    uint64_t start = local + 30 + le16(b + local + 26) + le16(b + local + 28);
    if (start > n || csize > n - start || usize > kMaxEntrySize) {
      ++t.errors;
      continue;
    }
    t.compressed_bytes += csize;
    if (method == 0) {
      ++t.stored;  // nothing to inflate: a scanner reads stored bytes in place
      t.uncompressed_bytes += csize;
      match_entry(name, data.substr(start, csize));
      continue;
    }
    if (method != 8) {
      ++t.errors;
      continue;
    }
    out.resize(usize);
    size_t produced = 0;
    if (libdeflate_deflate_decompress(d, b + start, csize, out.data(), usize, &produced) !=
        LIBDEFLATE_SUCCESS) {
      ++t.errors;
      continue;
    }
    ++t.inflated;
    t.uncompressed_bytes += produced;
    match_entry(name, std::string_view(out.data(), produced));
  }
  return true;
}

void inflate_file(const std::string& path, libdeflate_decompressor* d, std::string& buf,
                  std::string& out, Totals& t) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ++t.skipped;
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    ++t.skipped;
    return;
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  std::string_view data;
  void* map = nullptr;
  if (size <= kReadThreshold) {
    buf.resize(size);
    size_t got = 0;
    while (got < size) {
      ssize_t r = ::read(fd, buf.data() + got, size - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    data = std::string_view(buf.data(), got);
  } else {
    map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      ::close(fd);
      ++t.skipped;
      return;
    }
    data = std::string_view(static_cast<const char*>(map), size);
  }
  ::close(fd);
  ++t.files;
  if (!inflate_archive(data, d, out, t)) ++t.skipped;
  if (map) ::munmap(map, size);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: apk_inflate_only JOBS PATH...\n");
    return 2;
  }
  unsigned jobs = static_cast<unsigned>(std::max(1, std::atoi(argv[1])));
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    if (std::filesystem::is_directory(argv[i], ec)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(argv[i], ec))
        if (e.is_regular_file(ec)) files.push_back(e.path().string());
    } else {
      files.emplace_back(argv[i]);
    }
  }
#ifdef KEYSWEEP_INFLATE_AND_MATCH
  auto rules = keysweep::load_builtin_rules();
  if (!rules) {
    std::fprintf(stderr, "apk_inflate_match: %s\n", rules.error().message.c_str());
    return 1;
  }
  auto matcher = keysweep::Matcher::compile(std::move(*rules));
  if (!matcher) {
    std::fprintf(stderr, "apk_inflate_match: %s\n", matcher.error().message.c_str());
    return 1;
  }
  g_matcher = matcher->get();
#endif
  Totals t;
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j) {
    workers.emplace_back([&] {
      libdeflate_decompressor* d = libdeflate_alloc_decompressor();
      std::string buf, out;
      for (size_t i = next.fetch_add(1); i < files.size(); i = next.fetch_add(1))
        inflate_file(files[i], d, buf, out, t);
      libdeflate_free_decompressor(d);
    });
  }
  for (auto& w : workers) w.join();
  std::printf("files %llu, not walkable %llu, entries inflated %llu, stored %llu, entry errors %llu, "
              "compressed %llu bytes, uncompressed %llu bytes\n",
              static_cast<unsigned long long>(t.files.load()),
              static_cast<unsigned long long>(t.skipped.load()),
              static_cast<unsigned long long>(t.inflated.load()),
              static_cast<unsigned long long>(t.stored.load()),
              static_cast<unsigned long long>(t.errors.load()),
              static_cast<unsigned long long>(t.compressed_bytes.load()),
              static_cast<unsigned long long>(t.uncompressed_bytes.load()));
#ifdef KEYSWEEP_INFLATE_AND_MATCH
  std::printf("rule matches %llu\n", static_cast<unsigned long long>(g_matches.load()));
#endif
  return 0;
}
