// The Vectorscan database of a rule set: what it is compiled from (the patterns and their flags)
// and for (a CPU target), compiling it, and holding it. Shared by the matcher and by the build tool
// that compiles the built-in rules' database into the binary (embed_database.cc).
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match/keyword_split.h"
#include "match/pattern_tail.h"
#include "rules/rule.h"

namespace keysweep {

// What Vectorscan compiles: every rule's pattern, its id (the rule's index) and its flags. A
// pattern with a tail Vectorscan runs slowly is given as its head (match/pattern_tail.h), and the
// matcher checks the tail on the head's ends; a pattern of keyword forms (match/keyword_split.h)
// is given as the rest of its alternatives, and each keyword follows the rules as an expression of
// its own (id: rule count + its index in `keyword_ids`), whose ends the matcher turns into the
// forms' ends. A rule compiled in prefilter mode keeps its whole pattern (its ends are approximate,
// so no tail is checked on them and its keywords' ends are not used).
struct PatternSet {
  explicit PatternSet(const std::vector<Rule>& rules);
  PatternSet(const PatternSet&) = delete;  // `patterns` point into `heads_`
  std::vector<const char*> patterns;  // point into the rules (which must outlive the set) or heads
  std::vector<unsigned> flags;        // HS_FLAG_PREFILTER for rules compiled in prefilter mode
  std::vector<unsigned> ids;
  std::vector<std::optional<PatternTail>> tails;  // per rule: the tail its head was cut from
  // Per rule: its keyword forms, when split (kept for a prefiltered rule too, see prefilter()).
  std::vector<std::optional<KeywordSplit>> keyword_splits;
  struct KeywordId {
    uint32_t rule, keyword;  // into keyword_splits[rule]->keywords
  };
  std::vector<KeywordId> keyword_ids;  // per expression after the rules'
  size_t rule_count() const { return whole_.size(); }

  // SHA-256 (hex) of every pattern with its flags, in order: which rule set a database matches.
  // Taken before compile_database() adds prefilter flags, so it depends on the rules only.
  std::string digest() const;
  // The indices compiled in prefilter mode; and setting them from such a list.
  std::vector<uint32_t> prefiltered() const;
  void set_prefiltered(const std::vector<uint32_t>& indices);
  // Rule `i` in prefilter mode, its pattern whole.
  void prefilter(size_t i);

 private:
  std::vector<const char*> whole_;  // each rule's own pattern
  std::vector<std::string> heads_;  // sized once: `patterns` point into it
};

// The CPU a database is compiled for (Vectorscan's hs_platform_info_t without its reserved fields).
struct DatabaseTarget {
  unsigned tune = HS_TUNE_FAMILY_GENERIC;
  unsigned long long cpu_features = 0;
  hs_platform_info_t platform() const;
  std::string to_string() const;  // "tune 0, cpu features 0x0"
  bool operator==(const DatabaseTarget&) const = default;
};
// No tuning and no optional CPU features: what Vectorscan itself needs to run (SSE4.2 on x86-64),
// so a database for it loads on every machine the library runs on. The built-in database's target.
DatabaseTarget baseline_target();
// This machine, as hs_populate_platform() sees it (the baseline if it cannot tell).
DatabaseTarget host_target();

// Holds a database: compiled (Vectorscan's allocation) or deserialized into a mapping of its own,
// which MAP_POPULATE faults in with one call (a heap block took ~400 page faults as the copy
// touched each page, ~6 ms of a 50 ms start); or, for the built-in rules, the database image that
// is part of the binary, used where it lies (in_place) and not freed.
class Database {
 public:
  Database() = default;
  Database(Database&& o) noexcept { *this = std::move(o); }
  Database& operator=(Database&& o) noexcept;
  ~Database() { reset(); }

  // Checks `serialized` with Vectorscan (size, version, platform, its CRC) and loads it.
  static std::expected<Database, std::string> deserialize(std::string_view serialized);
  std::expected<std::string, std::string> serialize() const;
  // A database as it lies in memory (what deserialize() builds), used where it is: no copy, no
  // allocation, and only the pages a scan reads are ever faulted in, from the page cache. `image`
  // must outlive the Database and be aligned as deserialize() aligns (a page). Checked: alignment,
  // Vectorscan's magic and version, and the size the header gives. Not checked: the bytecode's CRC
  // and the CPU target, which deserialize() checks; the caller vouches for both (the built-in
  // image is part of the binary and is compiled for the baseline target, which every CPU runs).
  static std::expected<Database, std::string> in_place(std::string_view image);
  // The bytes of the database as it lies in memory: what in_place() takes.
  std::string_view image() const;

  hs_database_t* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }

 private:
  friend struct DatabaseCompiler;
  void reset();
  hs_database_t* db_ = nullptr;
  size_t mapping_size_ = 0;  // > 0: db_ is a mapping of ours; else Vectorscan's allocation
  bool borrowed_ = false;    // db_ is an image someone else owns (in_place): never freed
};

struct CompileFailure {
  int expression = -1;  // the rule's index, or -1
  std::string message;
};
// Compiles `set` for `target` in block mode. Vectorscan rejects some constructs RE2 accepts (and
// vice versa, e.g. lookarounds, which the rules avoid); a rule it rejects is retried in prefilter
// mode with its whole pattern (set.flags records it), where Vectorscan matches a superset and RE2
// still decides, so only speed is lost. Fails on a pattern that does not compile even so.
std::expected<Database, CompileFailure> compile_database(PatternSet& set,
                                                         const DatabaseTarget& target);

}  // namespace keysweep
