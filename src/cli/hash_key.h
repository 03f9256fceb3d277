// The key under which keysweep hashes guessable secrets (passwords, anything under 80 bits:
// Finding::secret_hash_keyed), so that a shared report, baseline or datastore cannot be turned
// back into the password by a dictionary (issue 17). Where it comes from, first found wins:
//   1. KEYSWEEP_HASH_KEY: its bytes are the key. Set it to one secret value wherever hashes must
//      agree across machines: a CI job using a developer's baseline, scanners writing one
//      datastore.
//   2. $XDG_CONFIG_HOME/keysweep/hash-key, else ~/.config/keysweep/hash-key: 64 hex digits,
//      created at first use from 32 random bytes (directory 0700, file 0600). Refused, with a
//      warning, when another user owns it or others can read or write it.
//   3. Neither: a random key for this run only, with a warning (the keyed hashes then differ
//      from run to run, so baselines do not match them).
#pragma once

#include <string>
#include <vector>

namespace keysweep::cli {

struct HashKey {
  std::string key;
  std::string source;                 // "KEYSWEEP_HASH_KEY", the file's path, or "this run only"
  std::vector<std::string> warnings;  // for stderr
};

HashKey load_hash_key();

}  // namespace keysweep::cli
