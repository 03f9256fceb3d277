#include "match/database_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/secret.h"
#include "io/bus_error_guard.h"
#include "io/file_faults.h"

#ifndef KEYSWEEP_VERSION
#error "KEYSWEEP_VERSION must be defined (src/match/CMakeLists.txt)"
#endif

namespace keysweep {

namespace {

// File layout, all header lines ASCII:
//   KSDB2\n
//   sha256 <64 hex digits: SHA-256 of every byte after this line>\n
//   key <64 hex digits: DatabaseCache::key>\n
//   prefilter <rule indices compiled in prefilter mode, space-separated>\n
//   <hs_serialize_database() bytes>
constexpr std::string_view kMagic = "KSDB2\n";
constexpr std::string_view kShaTag = "sha256 ";
constexpr std::string_view kKeyTag = "key ";
constexpr std::string_view kPrefilterTag = "prefilter ";
constexpr size_t kKeep = 8;  // databases kept; each rule edit or --rules set adds one

#if defined(__x86_64__)
constexpr std::string_view kArch = "x86_64";
#elif defined(__aarch64__)
constexpr std::string_view kArch = "aarch64";
#else
constexpr std::string_view kArch = "other";
#endif

// Takes "TAG<value>\n" off the front of `rest`; nullopt if it is not there.
std::optional<std::string_view> take_line(std::string_view& rest, std::string_view tag) {
  if (!rest.starts_with(tag)) return std::nullopt;
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) return std::nullopt;
  std::string_view value = rest.substr(tag.size(), eol - tag.size());
  rest.remove_prefix(eol + 1);
  return value;
}

std::optional<std::vector<uint32_t>> parse_indices(std::string_view s) {
  std::vector<uint32_t> out;
  const char* p = s.data();
  const char* end = s.data() + s.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    uint32_t v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) return std::nullopt;
    out.push_back(v);
    p = next;
  }
  return out;
}

// A read-only mapping of a file, unmapped on scope exit.
struct Mapping {
  void* addr = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (addr != MAP_FAILED) ::munmap(addr, size);
  }
  std::string_view bytes() const { return {static_cast<const char*>(addr), size}; }
};

// Creates the missing components of `dir`, each 0700. Existing directories keep their mode: the
// cache directory may be one the user chose (KEYSWEEP_CACHE_DIR) and shares with other things.
void make_dirs(const std::string& dir) {
  for (size_t pos = 1; (pos = dir.find('/', pos)) != std::string::npos; ++pos)
    ::mkdir(dir.substr(0, pos).c_str(), 0700);
  ::mkdir(dir.c_str(), 0700);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void evict_old(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("hsdb-") && name.ends_with(".bin"))
      files.emplace_back(e.last_write_time(ec), e.path());
  }
  if (files.size() <= kKeep) return;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kKeep; i < files.size(); ++i) fs::remove(files[i].second, ec);
}

}  // namespace

DatabaseCache DatabaseCache::from_environment() {
  if (const char* d = std::getenv("KEYSWEEP_CACHE_DIR")) return DatabaseCache(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return DatabaseCache(std::string(x) + "/keysweep");
  if (const char* h = std::getenv("HOME"); h && *h)
    return DatabaseCache(std::string(h) + "/.cache/keysweep");
  return DatabaseCache("");
}

std::string DatabaseCache::key(const std::string& pattern_digest, const DatabaseTarget& target) {
  std::string material = "keysweep database cache 2\n";
  material.append("keysweep ").append(KEYSWEEP_VERSION).push_back('\n');
  material.append("patterns ").append(pattern_digest).push_back('\n');
  material.append("vectorscan ").append(hs_version()).push_back('\n');
  material.append("arch ").append(kArch).push_back('\n');
  // The fields one by one: the struct has padding whose bytes are not defined.
  material.append("target " + std::to_string(target.tune) + " " +
                  std::to_string(target.cpu_features) + "\n");
  return sha256_hex(material);
}

std::string DatabaseCache::path_for(const std::string& key) const {
  return dir_ + "/hsdb-" + key.substr(0, 32) + ".bin";
}

std::optional<DatabaseCache::Hit> DatabaseCache::load(const std::string& key,
                                                      std::vector<std::string>& messages) const {
  if (!enabled()) return std::nullopt;
  const std::string path = path_for(key);
  auto ignored = [&](const std::string& why) {
    messages.push_back("warning: " + path + ": ignoring the cached Vectorscan database: " + why);
    return std::nullopt;
  };
  auto rejected = [&](const std::string& why) {
    messages.push_back("note: " + path + ": cached Vectorscan database " + why + "; recompiling");
    return std::nullopt;
  };

  // O_NOFOLLOW: a symlink is refused, not followed to whatever it names.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;  // not cached yet
    if (errno == ELOOP) return ignored("it is a symbolic link");
    return ignored(std::string("cannot open it: ") + std::strerror(errno));
  }
  struct stat st;
  const bool stat_ok = ::fstat(fd, &st) == 0;
  const int stat_errno = errno;
  Mapping map;
  if (stat_ok && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
      (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && st.st_size > 0) {
    map.size = static_cast<size_t>(st.st_size);
    map.addr = ::mmap(nullptr, map.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (const FileFaults* faults = file_faults(); faults && faults->after_open)
      faults->after_open(path, fd);
  }
  ::close(fd);
  // The checks run on what was opened, so the file cannot be swapped between check and read.
  if (!stat_ok) return ignored(std::string("cannot stat it: ") + std::strerror(stat_errno));
  if (!S_ISREG(st.st_mode)) return ignored("not a regular file");
  if (st.st_uid != ::geteuid())
    return ignored("owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                   std::to_string(::geteuid()) + " running keysweep");
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return ignored(std::string("writable by group or others (mode ") + mode + ")");
  }
  if (map.addr == MAP_FAILED) return rejected("is empty or cannot be mapped");
  // A file cut short under the mapping (by hand, or a disk error on page-in) would raise SIGBUS
  // and end the run; guarded, the lost pages read as zeros and the file is recompiled instead.
  BusErrorGuard guard(map.addr, map.size);
  // Every check below reads the mapping: one that fails on zeros is the lost pages' fault.
  auto unreadable = [&](const std::string& why) {
    return rejected(guard.faulted() ? "shrank or could not be read while it was loaded" : why);
  };

  // 1. Integrity: the SHA-256 of everything after its own line.
  std::string_view rest = map.bytes();
  if (!rest.starts_with(kMagic)) return unreadable("is not in this keysweep's format");
  rest.remove_prefix(kMagic.size());
  auto sha = take_line(rest, kShaTag);
  if (!sha || sha->size() != 64 || sha256_hex(rest) != *sha)
    return unreadable("fails its SHA-256 integrity check (corrupt or modified)");
  // 2. What it was built from and for.
  auto stored_key = take_line(rest, kKeyTag);
  if (!stored_key || *stored_key != key)
    return rejected("was built for other rules, another keysweep or Vectorscan, or another CPU");
  auto prefilter_line = take_line(rest, kPrefilterTag);
  auto prefiltered = prefilter_line ? parse_indices(*prefilter_line) : std::nullopt;
  if (!prefiltered) return rejected("has a malformed header");
  // 3. Only now Vectorscan sees the bytes.
  auto db = Database::deserialize(rest);
  if (!db || guard.faulted()) return unreadable(db ? "" : "does not load: " + db.error());
  return Hit{std::move(*db), std::move(*prefiltered)};
}

void DatabaseCache::store(const std::string& key, const Database& db,
                          const std::vector<uint32_t>& prefiltered) const {
  if (!enabled()) return;
  auto bytes = db.serialize();
  if (!bytes) return;
  std::string body = std::string(kKeyTag) + key + "\n" + std::string(kPrefilterTag);
  for (size_t i = 0; i < prefiltered.size(); ++i)
    body += (i ? " " : "") + std::to_string(prefiltered[i]);
  body += "\n";
  body += *bytes;
  const std::string header =
      std::string(kMagic) + std::string(kShaTag) + sha256_hex(body) + "\n";

  make_dirs(dir_);
  const std::string path = path_for(key);
  // mkstemp: a new file (O_EXCL, so never through a planted symlink), mode 0600.
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return;
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, header) && write_all(fd, body);
  ok = ::close(fd) == 0 && ok;
  // rename() is atomic: concurrent runs never see half a file.
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return;
  }
  evict_old(dir_);
}

}  // namespace keysweep
