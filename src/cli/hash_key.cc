#include "cli/hash_key.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/secret.h"

namespace keysweep::cli {

namespace {

constexpr size_t kKeyBytes = 32;

std::string random_hex() {
  unsigned char bytes[kKeyBytes];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();  // no entropy at all: nothing safe to hash with
    got += static_cast<size_t>(n);
  }
  return hex_encode({reinterpret_cast<const char*>(bytes), sizeof bytes});
}

bool is_key_text(std::string_view s) {
  if (s.size() != 2 * kKeyBytes) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string config_dir() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/keysweep";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.config/keysweep";
  return "";
}

// Reads the key file; "" with a warning when it is not one keysweep can trust.
std::string read_key_file(const std::string& path, std::vector<std::string>& warnings) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT)
      warnings.push_back(path + ": cannot open the hash key: " + std::strerror(errno));
    return "";
  }
  struct stat st;
  std::string text(2 * kKeyBytes + 2, '\0');
  ssize_t n = -1;
  bool trusted = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                 (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
  if (trusted) n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (!trusted) {
    warnings.push_back(path + ": ignoring the hash key: it must be a regular file of this user "
                              "that nobody else can read or write (chmod 600)");
    return "";
  }
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!is_key_text(text)) {
    warnings.push_back(path + ": ignoring the hash key: not 64 lower-case hex digits");
    return "";
  }
  return text;
}

// Creates the key file with a new key; "" when it cannot (the reason in `warnings`).
std::string create_key_file(const std::string& dir, const std::string& path,
                            std::vector<std::string>& warnings) {
  // The parent (~/.config) as well: a fresh container may have neither.
  std::string parent = dir.substr(0, dir.rfind('/'));
  if (!parent.empty()) ::mkdir(parent.c_str(), 0700);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    warnings.push_back(dir + ": cannot create it for the hash key: " + std::strerror(errno));
    return "";
  }
  std::string key = random_hex();
  // O_EXCL: two keysweeps starting at once do not each write their own; the loser reads.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_key_file(path, warnings);
    warnings.push_back(path + ": cannot create the hash key: " + std::strerror(errno));
    return "";
  }
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    warnings.push_back(path + ": cannot write the hash key");
    return "";
  }
  return key;
}

}  // namespace

HashKey load_hash_key() {
  HashKey k;
  if (const char* env = std::getenv("KEYSWEEP_HASH_KEY"); env && *env) {
    k.key = env;
    k.source = "KEYSWEEP_HASH_KEY";
    return k;
  }
  if (std::string dir = config_dir(); !dir.empty()) {
    const std::string path = dir + "/hash-key";
    k.key = read_key_file(path, k.warnings);
    if (k.key.empty() && k.warnings.empty()) k.key = create_key_file(dir, path, k.warnings);
    if (!k.key.empty()) {
      k.source = path;
      return k;
    }
  }
  k.key = random_hex();
  k.source = "this run only";
  k.warnings.push_back(
      "hashes of guessable secrets use a key for this run only, so they will not match another "
      "run's (set KEYSWEEP_HASH_KEY, or make ~/.config/keysweep/hash-key readable)");
  return k;
}

}  // namespace keysweep::cli
