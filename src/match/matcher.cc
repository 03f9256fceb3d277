#include "match/matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "core/secret.h"
#include "io/mapped_file.h"
#include "match/context_scan.h"
#include "rules/validators.h"

namespace keysweep {

namespace {

// Bytes of lookahead given to RE2 past the last reported end, so a trailing \b or terminator class
// sees the character after the match.
constexpr uint64_t kTrailingContext = 8;

struct Window {
  uint32_t rule;
  uint64_t first_end, last_end;
};

// A rule's confirming RE2, Latin-1 so any byte is matchable, built once by whichever thread needs
// it first (workers share the Matcher). `error` is set instead when the pattern is unusable.
struct Confirmer {
  std::once_flag once;
  std::unique_ptr<RE2> re;
  std::optional<Error> error;
};

Result<std::unique_ptr<RE2>> compile_confirmer(const Rule& r) {
  RE2::Options opts;
  opts.set_encoding(RE2::Options::EncodingLatin1);
  opts.set_log_errors(false);
  opts.set_max_mem(64 << 20);
  auto re = std::make_unique<RE2>(r.pattern, opts);
  if (!re->ok())
    return make_error(ErrorCode::kConfig, "rule '" + r.id + "': pattern: " + re->error(),
                      r.source_file);
  if (r.secret_group < 0 || r.secret_group > re->NumberOfCapturingGroups())
    return make_error(ErrorCode::kConfig,
                      "rule '" + r.id + "': secret_group " + std::to_string(r.secret_group) +
                          " but the pattern has " + std::to_string(re->NumberOfCapturingGroups()) +
                          " groups",
                      r.source_file);
  return re;
}

}  // namespace

struct Matcher::Impl {
  hs_database_t* db = nullptr;
  size_t db_mapping_size = 0;  // > 0: db is its own mapping (load_cached), else Vectorscan's
  hs_scratch_t* prototype_scratch = nullptr;
  std::unique_ptr<Confirmer[]> confirm;  // one per rule
  std::vector<bool> generic;             // provider == "generic"
  std::vector<bool> is_context;          // Rule::context set: confirmed by the context scorer
  ContextRules context_rules;
  ~Impl() {
    if (prototype_scratch) hs_free_scratch(prototype_scratch);
    if (db && db_mapping_size > 0) ::munmap(db, db_mapping_size);
    else if (db) hs_free_database(db);
  }

  Result<const RE2*> confirmer(uint32_t index, const Rule& rule) const {
    Confirmer& c = confirm[index];
    std::call_once(c.once, [&] {
      auto re = compile_confirmer(rule);
      if (re)
        c.re = std::move(*re);
      else
        c.error = std::move(re.error());
    });
    if (c.error) return std::unexpected(*c.error);
    return c.re.get();
  }
};

struct Matcher::Scratch::State {
  hs_scratch_t* hs = nullptr;
  // Per rule, the window still open (candidate ends close together are merged into one window).
  std::vector<Window> open;
  std::vector<bool> is_open;
  std::vector<Window> windows;
  std::vector<ContextHit> context_hits;
  ~State() {
    if (hs) hs_free_scratch(hs);
  }
};

Matcher::Scratch::~Scratch() = default;

Matcher::~Matcher() = default;

namespace {

// Compiling ~200 patterns costs about a second of CPU, which a pre-commit hook or a test that runs
// the binary many times pays on every start. The compiled database is cached on disk, keyed by the
// Vectorscan version, the platform and every pattern with its flags, so any rule change or upgrade
// misses the cache. A cache that cannot be read or written is ignored: it is only an optimisation.
std::string cache_dir() {
  if (const char* d = std::getenv("KEYSWEEP_CACHE_DIR")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/keysweep";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/keysweep";
  return {};
}

std::string cache_key(const std::vector<const char*>& patterns, const std::vector<unsigned>& flags) {
  std::string material = hs_version();
  hs_platform_info_t platform;
  if (hs_populate_platform(&platform) == HS_SUCCESS)
    material.append(reinterpret_cast<const char*>(&platform), sizeof platform);
  for (size_t i = 0; i < patterns.size(); ++i) {
    material.append(patterns[i]).push_back('\0');
    material.append(std::to_string(flags[i])).push_back('\0');
  }
  return sha256_hex(material).substr(0, 32);
}

void make_dirs(const std::string& dir) {
  for (size_t pos = 1; (pos = dir.find('/', pos)) != std::string::npos; ++pos)
    ::mkdir(dir.substr(0, pos).c_str(), 0700);
  ::mkdir(dir.c_str(), 0700);
}

struct CachedDatabase {
  hs_database_t* db = nullptr;
  size_t mapping_size = 0;
};

// File layout: "KSDB1\n", then one line listing the indices compiled in prefilter mode, then the
// serialized database. The file is mapped, not read: the database is ~1.7 MB, and reading it
// through a stringstream cost three copies and their page faults on every start. It is
// deserialized into a mapping of its own that MAP_POPULATE faults in with one call, where a heap
// block took ~400 page faults as the copy touched each page (~6 ms of a 50 ms start here).
CachedDatabase load_cached(const std::string& path, std::vector<unsigned>& flags) {
  auto file = MappedFile::open(path);
  if (!file) return {};
  std::string_view rest = (*file)->bytes();
  constexpr std::string_view kMagic = "KSDB1\n";
  if (!rest.starts_with(kMagic)) return {};
  rest.remove_prefix(kMagic.size());
  size_t eol = rest.find('\n');
  if (eol == std::string_view::npos) return {};
  std::string prefiltered(rest.substr(0, eol));
  rest.remove_prefix(eol + 1);
  size_t size = 0;
  if (hs_serialized_database_size(rest.data(), rest.size(), &size) != HS_SUCCESS || size == 0)
    return {};
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (mem == MAP_FAILED) return {};
  auto* db = static_cast<hs_database_t*>(mem);  // page-aligned, as Vectorscan requires
  if (hs_deserialize_database_at(rest.data(), rest.size(), db) != HS_SUCCESS) {
    ::munmap(mem, size);
    return {};
  }
  std::istringstream ids(prefiltered);
  for (size_t idx; ids >> idx;)
    if (idx < flags.size()) flags[idx] |= HS_FLAG_PREFILTER;
  return {db, size};
}

void store_cached(const std::string& path, hs_database_t* db,
                  const std::vector<unsigned>& flags) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  std::string prefiltered;
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i] & HS_FLAG_PREFILTER) prefiltered += std::to_string(i) + " ";
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "KSDB1\n" << prefiltered << "\n";
    out.write(bytes, static_cast<std::streamsize>(size));
    if (!out) {
      std::free(bytes);
      ::unlink(tmp.c_str());
      return;
    }
  }
  std::free(bytes);
  // rename() is atomic: concurrent runs never see half a file.
  if (::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

// Keeps the most recently written databases; each rule edit or --rules set adds one.
void evict_old(const std::string& dir, size_t keep) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("hsdb-") && name.ends_with(".bin"))
      files.emplace_back(e.last_write_time(ec), e.path());
  }
  if (files.size() <= keep) return;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = keep; i < files.size(); ++i) fs::remove(files[i].second, ec);
}

}  // namespace

Result<std::unique_ptr<Matcher>> Matcher::compile(RuleSet rules, PatternCheck check) {
  std::unique_ptr<Matcher> m(new Matcher());
  m->rules_ = std::move(rules);
  m->impl_ = std::make_unique<Impl>();
  const auto& rs = m->rules_.rules;
  if (rs.empty()) return make_error(ErrorCode::kConfig, "no rules to compile");

  m->impl_->confirm = std::make_unique<Confirmer[]>(rs.size());
  for (uint32_t i = 0; i < rs.size(); ++i) {
    const Rule& r = rs[i];
    m->impl_->generic.push_back(r.provider == "generic");
    m->impl_->is_context.push_back(!r.context.empty());
    if (!r.context.empty()) {
      size_t cls = static_cast<size_t>(r.context == "password" ? context::NameClass::kPassword
                                                               : context::NameClass::kSecret);
      m->impl_->context_rules.by_class[cls] = i;
      continue;  // its pattern is a keyword prefilter only: no RE2 confirms it
    }
    if (check == PatternCheck::kAll || !r.builtin)
      if (auto re = m->impl_->confirmer(i, r); !re) return std::unexpected(re.error());
  }

  // Vectorscan rejects some constructs RE2 accepts (and vice versa, e.g. lookarounds, which the
  // rules avoid). A rule it rejects is compiled in prefilter mode: Vectorscan then matches a
  // superset and RE2 still decides, so only speed is lost. Retry until the whole set compiles.
  std::vector<const char*> patterns;
  std::vector<unsigned> flags(rs.size(), 0), ids;
  for (size_t i = 0; i < rs.size(); ++i) {
    patterns.push_back(rs[i].pattern.c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  const std::string dir = cache_dir();
  const std::string cache_path =
      dir.empty() ? std::string() : dir + "/hsdb-" + cache_key(patterns, flags) + ".bin";
  if (!cache_path.empty()) {
    CachedDatabase cached = load_cached(cache_path, flags);
    m->impl_->db = cached.db;
    m->impl_->db_mapping_size = cached.mapping_size;
  }
  bool from_cache = m->impl_->db != nullptr;
  while (!from_cache) {
    hs_compile_error_t* err = nullptr;
    hs_error_t rc = hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                                     static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr,
                                     &m->impl_->db, &err);
    if (rc == HS_SUCCESS) {
      if (!cache_path.empty()) {
        make_dirs(dir);
        store_cached(cache_path, m->impl_->db, flags);
        evict_old(dir, 8);
      }
      break;
    }
    int bad = err ? err->expression : -1;
    std::string msg = err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    if (bad < 0 || (flags[static_cast<size_t>(bad)] & HS_FLAG_PREFILTER))
      return make_error(ErrorCode::kConfig,
                        (bad >= 0 ? "rule '" + rs[static_cast<size_t>(bad)].id + "': " : "") +
                            "Vectorscan: " + msg,
                        bad >= 0 ? rs[static_cast<size_t>(bad)].source_file : "");
    flags[static_cast<size_t>(bad)] |= HS_FLAG_PREFILTER;
  }
  m->from_cache_ = from_cache;
  for (size_t i = 0; i < rs.size(); ++i)
    if (flags[i] & HS_FLAG_PREFILTER) m->prefiltered_.push_back(rs[i].id);
  if (hs_alloc_scratch(m->impl_->db, &m->impl_->prototype_scratch) != HS_SUCCESS)
    return make_error(ErrorCode::kInternal, "Vectorscan: cannot allocate scratch");
  return m;
}

std::unique_ptr<Matcher::Scratch> Matcher::make_scratch() const {
  auto s = std::make_unique<Scratch>();
  s->state_ = std::make_unique<Scratch::State>();
  hs_clone_scratch(impl_->prototype_scratch, &s->state_->hs);
  s->state_->open.resize(rules_.rules.size());
  s->state_->is_open.assign(rules_.rules.size(), false);
  return s;
}

Result<void> Matcher::scan(const Blob& blob, Scratch& scratch_handle, std::vector<RuleMatch>& out,
                           MatchStats* stats) const {
  Scratch::State& scratch = *scratch_handle.state_;
  std::string_view data = blob.bytes();
  if (data.empty()) return {};
  if (data.size() > 0xFFFFFFFFull)
    return make_error(ErrorCode::kTooLarge, "blob larger than 4 GiB cannot be scanned in one block",
                      blob.display_path());
  scratch.windows.clear();
  std::fill(scratch.is_open.begin(), scratch.is_open.end(), false);

  struct Ctx {
    Scratch::State* s;
    const std::vector<Rule>* rules;
  } ctx{&scratch, &rules_.rules};

  // The callback only records candidates: ends of one rule that lie within the rule's max_length
  // of each other share one window, so a long run of matching bytes costs one RE2 call, not one
  // per byte.
  auto on_match = [](unsigned int id, unsigned long long, unsigned long long to, unsigned int,
                     void* p) -> int {
    auto* c = static_cast<Ctx*>(p);
    Scratch::State& s = *c->s;
    Window& w = s.open[id];
    uint64_t reach = (*c->rules)[id].max_length;
    if (s.is_open[id] && to <= w.last_end + reach) {
      w.last_end = std::max<uint64_t>(w.last_end, to);
    } else {
      if (s.is_open[id]) s.windows.push_back(w);
      w = Window{id, to, to};
      s.is_open[id] = true;
    }
    return 0;
  };
  hs_error_t rc = hs_scan(impl_->db, data.data(), static_cast<unsigned>(data.size()), 0, scratch.hs,
                          on_match, &ctx);
  if (rc != HS_SUCCESS)
    return make_error(ErrorCode::kInternal, "Vectorscan scan failed (" + std::to_string(rc) + ")",
                      blob.display_path());
  for (size_t i = 0; i < scratch.is_open.size(); ++i)
    if (scratch.is_open[i]) scratch.windows.push_back(scratch.open[i]);
  std::sort(scratch.windows.begin(), scratch.windows.end(), [](const Window& a, const Window& b) {
    return a.rule != b.rule ? a.rule < b.rule : a.first_end < b.first_end;
  });

  size_t first_new = out.size();
  re2::StringPiece text(data.data(), data.size());
  re2::StringPiece groups[10];
  uint32_t last_rule = UINT32_MAX;
  uint64_t last_match_end = 0;
  scratch.context_hits.clear();
  for (const Window& w : scratch.windows) {
    if (stats) ++stats->candidates;
    const Rule& rule = rules_.rules[w.rule];
    if (impl_->is_context[w.rule]) {
      scratch.context_hits.push_back({w.first_end, w.last_end});
      continue;
    }
    auto confirmer = impl_->confirmer(w.rule, rule);
    if (!confirmer) return std::unexpected(confirmer.error());
    const RE2& re = **confirmer;
    if (w.rule != last_rule) {
      last_rule = w.rule;
      last_match_end = 0;
    }
    uint64_t lo = w.first_end > rule.max_length ? w.first_end - rule.max_length : 0;
    lo = std::max(lo, last_match_end);
    uint64_t hi = std::min<uint64_t>(data.size(), w.last_end + kTrailingContext);
    int ngroups = std::min(rule.secret_group + 1, 10);
    size_t pos = lo;
    while (pos < hi && re.Match(text, pos, hi, RE2::UNANCHORED, groups, ngroups)) {
      const auto& whole = groups[0];
      uint64_t m_start = static_cast<uint64_t>(whole.data() - data.data());
      uint64_t m_end = m_start + whole.size();
      pos = whole.empty() ? m_end + 1 : m_end;
      const auto& sec = groups[rule.secret_group];
      if (sec.data() == nullptr || sec.empty()) continue;
      if (stats) ++stats->confirmed;
      uint64_t s_start = static_cast<uint64_t>(sec.data() - data.data());
      std::string_view secret(sec.data(), sec.size());
      std::string_view match(whole.data(), whole.size());
      if (!reject_reason(rule, secret, match, blob.label_at(s_start)).empty()) {
        if (stats) ++stats->rejected;
        continue;
      }
      out.push_back(RuleMatch{w.rule, m_start, m_end, s_start, s_start + sec.size()});
      last_match_end = m_end;
    }
  }

  if (!scratch.context_hits.empty())
    scan_context(data, blob.display_path(), scratch.context_hits, impl_->context_rules,
                 context::builtin_scorer_model(), out);

  // Drop a generic-rule match whose secret overlaps a specific rule's secret: the specific rule
  // says more (provider, remediation, verifier).
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first_new);
  std::sort(begin, out.end(), [](const RuleMatch& a, const RuleMatch& b) {
    if (a.secret_start != b.secret_start) return a.secret_start < b.secret_start;
    if (a.secret_end != b.secret_end) return a.secret_end < b.secret_end;
    return a.rule_index < b.rule_index;
  });
  std::vector<RuleMatch> kept(begin, out.end());
  out.erase(begin, out.end());
  // The same secret span claimed by two specific rules (an Auth Token pattern and an API secret
  // pattern of one provider): the more confident rule wins.
  auto same_span = [](const RuleMatch& a, const RuleMatch& b) {
    return a.secret_start == b.secret_start && a.secret_end == b.secret_end;
  };
  auto confidence_of = [&](const RuleMatch& m) {
    return m.confidence >= 0 ? static_cast<Confidence>(m.confidence)
                             : rules_.rules[m.rule_index].confidence;
  };
  std::vector<RuleMatch> deduped;
  for (size_t i = 0; i < kept.size();) {
    size_t j = i;
    bool any_specific = false;
    for (; j < kept.size() && same_span(kept[i], kept[j]); ++j)
      any_specific |= !impl_->generic[kept[j].rule_index];
    // A provider rule beats a generic one whatever the scorer's confidence.
    auto competes = [&](const RuleMatch& m) { return !any_specific || !impl_->generic[m.rule_index]; };
    Confidence best = Confidence::kLow;
    for (size_t k = i; k < j; ++k)
      if (competes(kept[k])) best = std::max(best, confidence_of(kept[k]));
    // One match per span: two rules of equal confidence (a context rule and a generic pattern)
    // would otherwise report the same secret twice.
    for (size_t k = i; k < j; ++k)
      if (competes(kept[k]) && confidence_of(kept[k]) == best) {
        deduped.push_back(kept[k]);
        if (impl_->is_context[kept[k].rule_index]) break;
      }
    i = j;
  }
  kept.swap(deduped);
  uint64_t specific_reach = 0;  // furthest secret end of a specific match seen so far
  for (size_t i = 0; i < kept.size(); ++i) {
    const RuleMatch& m = kept[i];
    if (!impl_->generic[m.rule_index]) {
      specific_reach = std::max(specific_reach, m.secret_end);
      out.push_back(m);
      continue;
    }
    bool shadowed = specific_reach > m.secret_start;
    for (size_t j = i + 1; !shadowed && j < kept.size() && kept[j].secret_start < m.secret_end; ++j)
      shadowed = !impl_->generic[kept[j].rule_index];
    if (!shadowed) out.push_back(m);
  }
  return {};
}

}  // namespace keysweep
