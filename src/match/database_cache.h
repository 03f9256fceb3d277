// The on-disk cache of compiled Vectorscan databases, for rule sets other than the built-in one
// (whose database is compiled into the binary): `--rules` files, keysweep.toml rules, tests'
// rules. Compiling ~300 patterns costs about a second of CPU, which a pre-commit hook would pay on
// every start.
//
// The cache is checked, not trusted: whoever can write it could otherwise swap in a database
// compiled from other rules (a scan that says "0 findings"), and deserialising arbitrary bytes is a
// memory-safety risk. A file is used only if
//   - it is a regular file (not a symlink) owned by the user and not writable by group or others
//     (else it is ignored with a warning);
//   - the SHA-256 in its header matches its bytes (else: a note, and it is recompiled);
//   - the key in its header is the one this run needs: a digest of the keysweep version, the rule
//     set's patterns and flags, the Vectorscan version and the CPU target (else: a note);
// and only then do Vectorscan's own checks (version, platform, CRC) and deserialisation run. The
// directory is created 0700 and files 0600. The SHA-256 catches corruption and files renamed into
// place; it is no signature (who can write the file as the user can forge it), which is why
// files that others can write are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "match/database.h"

namespace keysweep {

class DatabaseCache {
 public:
  // $KEYSWEEP_CACHE_DIR (set but empty: no cache), else $XDG_CACHE_HOME/keysweep, else
  // ~/.cache/keysweep.
  static DatabaseCache from_environment();
  explicit DatabaseCache(std::string dir) : dir_(std::move(dir)) {}

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  // SHA-256 (hex) of what the database depends on: keysweep's version, the pattern set's digest
  // (PatternSet::digest), the Vectorscan version and the target.
  static std::string key(const std::string& pattern_digest, const DatabaseTarget& target);
  // DIR/hsdb-<first 32 hex digits of key>.bin
  std::string path_for(const std::string& key) const;

  struct Hit {
    Database db;
    std::vector<uint32_t> prefiltered;  // rule indices compiled in prefilter mode
  };
  // The database stored under `key`, if every check passes. Each check that fails adds one line to
  // `messages` ("warning: PATH: ..." or "note: PATH: ..."); a missing file adds none.
  std::optional<Hit> load(const std::string& key, std::vector<std::string>& messages) const;
  // Writes atomically (a new 0600 file renamed into place), creating the directory 0700; keeps the
  // 8 newest databases. Failures are ignored: the cache is only an optimisation.
  void store(const std::string& key, const Database& db, const std::vector<uint32_t>& prefiltered) const;

 private:
  std::string dir_;
};

}  // namespace keysweep
