// The matcher: every rule in one Vectorscan database, one pass over each Blob. Vectorscan reports
// only (rule, end offset); RE2 then confirms the rule's full pattern on a bounded window around
// those ends and extracts the secret group, and the validators drop placeholders.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/blob.h"
#include "keysweep/error.h"
#include "rules/rule.h"

namespace keysweep {

struct RuleMatch {
  uint32_t rule_index = 0;  // into Matcher::rules().rules
  uint64_t match_start = 0, match_end = 0;
  uint64_t secret_start = 0, secret_end = 0;
  // Context rules (Rule::context) only: the scorer's confidence (-1: the rule's own) and the
  // features that moved the score most (context::encode_signal), strongest first, 0 = none.
  int8_t confidence = -1;
  std::array<int8_t, 6> signals{};
};

struct MatchStats {
  uint64_t candidates = 0;  // windows Vectorscan proposed
  uint64_t confirmed = 0;   // RE2 matches
  uint64_t rejected = 0;    // dropped by validators
};

// When compile() builds each rule's RE2 (the confirming regex). Compiling all ~320 up front was a
// third of the CPU of a small scan, and most scans never produce a candidate for most rules.
enum class PatternCheck {
  // Up front only for rules not built in (--rules files, keysweep.toml), so a bad user pattern
  // fails at start naming the rule; a built-in rule's on its first candidate (tests check them all).
  kUserRules,
  kAll,  // every rule up front: `keysweep rules check` and the tests of the built-in rules
};

// Where the matcher's Vectorscan database came from.
enum class DatabaseSource {
  kBuiltin,   // compiled at build time (builtin_database.h): the rule set is the built-in one
  kCache,     // the on-disk cache (database_cache.h), after its checks passed
  kCompiled,  // compiled by this run (and then cached)
};

class Matcher {
 public:
  // Compiles the rules; an error names the rule and why its pattern is unusable. The built-in
  // rules' Vectorscan database is in the binary (builtin_database.h) and used when the rule set has
  // exactly its patterns. Any other set's database is cached in $KEYSWEEP_CACHE_DIR (default
  // ~/.cache/keysweep; set it empty to disable), and a cached one is used only after the checks in
  // database_cache.h; each check that fails prints one line on stderr ("keysweep: note: ..." or
  // "keysweep: warning: ..."). With KEYSWEEP_DEBUG set, one line says where the database came from.
  static Result<std::unique_ptr<Matcher>> compile(RuleSet rules,
                                                  PatternCheck check = PatternCheck::kUserRules);
  ~Matcher();

  // Per-thread state (Vectorscan scratch and candidate buffers). Create one per worker.
  class Scratch {
   public:
    ~Scratch();

   private:
    friend class Matcher;
    struct State;
    std::unique_ptr<State> state_;
  };
  std::unique_ptr<Scratch> make_scratch() const;

  // Appends the confirmed, validated matches in `blob` to `out`, ordered by secret offset.
  // Generic rules (provider "generic") yield to a specific rule that found the same secret.
  // Thread-safe for one Scratch per thread. Fails (naming the rule) only if a built-in rule's
  // pattern, compiled here on its first candidate, is unusable, which the tests rule out.
  Result<void> scan(const Blob& blob, Scratch& scratch, std::vector<RuleMatch>& out,
                    MatchStats* stats = nullptr) const;

  // How far from a secret the matcher (the confirming window, the context reader) and the finding
  // builder (snippet, allow comment) read, in bytes: a window of a larger text holding this much
  // on each side of a secret finds and describes it as a scan of the whole text does.
  uint64_t reach() const;

  const RuleSet& rules() const { return rules_; }
  // Rules that Vectorscan could only compile in prefilter mode (RE2 still confirms them exactly).
  const std::vector<std::string>& prefiltered_rules() const { return prefiltered_; }
  DatabaseSource database_source() const { return source_; }
  // The notes and warnings about the cache that compile() printed, without "keysweep: ".
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Matcher() = default;
  struct Impl;
  RuleSet rules_;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> prefiltered_;
  std::vector<std::string> notes_;
  DatabaseSource source_ = DatabaseSource::kCompiled;
  std::string source_detail_;  // for KEYSWEEP_DEBUG: "built in (tune 0, cpu features 0x0)" ...
};

}  // namespace keysweep
