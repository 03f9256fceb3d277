#include "match/matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "core/stderr_lines.h"
#include "match/builtin_database.h"
#include "match/context_scan.h"
#include "match/database.h"
#include "match/database_cache.h"
#include "match/finding_builder.h"
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
// Keyword ends (keyword_split.h) held before the oldest go to the windows: 1 MiB of them.
constexpr size_t kKeywordEndsHeld = 1 << 16;
// Window::rule of a rule's slot in Scratch::State::open while no window of that rule is open.
constexpr uint32_t kNoWindow = UINT32_MAX;

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
  Database db;
  hs_scratch_t* prototype_scratch = nullptr;
  std::unique_ptr<Confirmer[]> confirm;  // one per rule
  std::vector<bool> generic;             // provider == "generic"
  std::vector<bool> is_context;          // Rule::context set: confirmed by the context scorer
  // Per rule, the tail taken off its pattern for Vectorscan (database.h), checked on each end.
  std::vector<std::optional<PatternTail>> tails;
  // Per rule, its keyword forms when they were taken off (keyword_split.h); per expression after
  // the rules', the keyword it is.
  std::vector<std::optional<KeywordSplit>> keyword_splits;
  std::vector<PatternSet::KeywordId> keyword_ids;
  ContextRules context_rules;
  ~Impl() {
    if (prototype_scratch) hs_free_scratch(prototype_scratch);
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
  // Per rule, the window still open (candidate ends close together are merged into one window);
  // a slot whose rule is kNoWindow holds none. Whether a rule's window is open is read on every
  // Vectorscan match, so it lives in the slot the callback touches anyway (a std::vector<bool>
  // beside it cost a bit lookup per match, and a pass over every rule per blob to reset).
  std::vector<Window> open;
  std::vector<uint32_t> opened;  // rules whose slot holds a window, in the order they opened
  std::vector<Window> windows;
  // Ends only a tail's $ gives, held until Vectorscan's own scan is over (pattern_tail.h).
  std::vector<std::pair<uint32_t, uint64_t>> at_data_end;
  // Ends of rules split at their keywords (keyword_split.h), from the rest of their pattern and
  // from their keywords: sorted before they go to the windows, as the whole pattern's would come.
  std::vector<std::pair<uint32_t, uint64_t>> keyword_ends;
  std::vector<ContextHit> context_hits;
  ~State() {
    if (hs) hs_free_scratch(hs);
  }
};

Matcher::Scratch::~Scratch() = default;

Matcher::~Matcher() = default;

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

  // The database: the one built into the binary when these are the built-in rules' patterns, else
  // from the cache when a valid one is there, else compiled (and cached).
  PatternSet set(rs);
  const std::string digest = set.digest();
  const BuiltinDatabase builtin = builtin_database();
  if (digest == builtin.pattern_digest) {
    if (auto db = Database::in_place(builtin.image)) {
      m->impl_->db = std::move(*db);
      set.set_prefiltered({builtin.prefiltered.begin(), builtin.prefiltered.end()});
      m->source_ = DatabaseSource::kBuiltin;
      m->source_detail_ = "built in (" + builtin.target.to_string() + ")";
    } else {
      m->notes_.push_back("note: the built-in Vectorscan database does not load (" + db.error() +
                          "; built with Vectorscan " + std::string(builtin.hs_version) +
                          ", running " + hs_version() + "); compiling the rules");
    }
  }
  const DatabaseTarget target = host_target();
  const DatabaseCache cache = DatabaseCache::from_environment();
  const std::string key = DatabaseCache::key(digest, target);
  if (!m->impl_->db) {
    auto hit = cache.load(key, m->notes_);
    if (hit) {
      m->impl_->db = std::move(hit->db);
      set.set_prefiltered(hit->prefiltered);
      m->source_ = DatabaseSource::kCache;
      m->source_detail_ = "from the cache, " + cache.path_for(key);
    }
  }
  for (const std::string& note : m->notes_) print_stderr_line("keysweep: " + note);
  if (!m->impl_->db) {
    auto db = compile_database(set, target);
    if (!db) {
      const int bad = db.error().expression;
      const Rule* rule = bad >= 0 ? &rs[static_cast<size_t>(bad)] : nullptr;
      return make_error(ErrorCode::kConfig,
                        (rule ? "rule '" + rule->id + "': " : std::string()) + "Vectorscan: " +
                            db.error().message,
                        rule ? rule->source_file : "");
    }
    m->impl_->db = std::move(*db);
    m->source_ = DatabaseSource::kCompiled;
    m->source_detail_ = "compiled (" + target.to_string() + ")";
    if (cache.enabled()) {
      cache.store(key, m->impl_->db, set.prefiltered());
      m->source_detail_ += ", cached in " + cache.path_for(key);
    }
  }
  // A signal for tests and for "why is this start slow?", with no timing in it.
  if (const char* debug = std::getenv("KEYSWEEP_DEBUG"); debug && *debug)
    print_stderr_line("keysweep: debug: Vectorscan database of " + std::to_string(rs.size()) +
                      " rules: " + m->source_detail_);
  for (uint32_t i : set.prefiltered()) m->prefiltered_.push_back(rs[i].id);
  m->impl_->tails = std::move(set.tails);
  m->impl_->keyword_splits = std::move(set.keyword_splits);
  m->impl_->keyword_ids = std::move(set.keyword_ids);
  for (uint32_t i : set.prefiltered()) m->impl_->keyword_splits[i].reset();  // its whole pattern
  if (hs_alloc_scratch(m->impl_->db.get(), &m->impl_->prototype_scratch) != HS_SUCCESS)
    return make_error(ErrorCode::kInternal, "Vectorscan: cannot allocate scratch");
  return m;
}

std::unique_ptr<Matcher::Scratch> Matcher::make_scratch() const {
  auto s = std::make_unique<Scratch>();
  s->state_ = std::make_unique<Scratch::State>();
  hs_clone_scratch(impl_->prototype_scratch, &s->state_->hs);
  s->state_->open.assign(rules_.rules.size(), Window{kNoWindow, 0, 0});
  return s;
}

uint64_t Matcher::reach() const {
  // A match starts at most max_length before the end Vectorscan reports, and RE2 looks
  // kTrailingContext past it; a context value lies up to the reader's reach from its keyword.
  uint64_t longest = 0;
  for (const Rule& r : rules_.rules) longest = std::max<uint64_t>(longest, r.max_length);
  return std::max({longest + kTrailingContext, kContextReachBack + kContextReachAhead,
                   kAllowCommentReach});
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

  struct Ctx {
    Scratch::State* s;
    const std::vector<Rule>* rules;
    const Impl* impl;
    std::string_view data;
  } ctx{&scratch, &rules_.rules, impl_.get(), data};

  // The callback only records candidates: ends of one rule that lie within the rule's max_length
  // of each other share one window, so a long run of matching bytes costs one RE2 call, not one
  // per byte.
  static constexpr auto add_end = [](Ctx& c, uint32_t id, uint64_t to) {
    Scratch::State& s = *c.s;
    Window& w = s.open[id];
    if (w.rule == id && to <= w.last_end + (*c.rules)[id].max_length) {
      w.last_end = std::max<uint64_t>(w.last_end, to);
    } else {
      if (w.rule == id) {
        s.windows.push_back(w);
      } else {
        s.opened.push_back(id);
      }
      w = Window{id, to, to};
    }
  };
  // Keyword ends go to the windows in increasing order, each once: all of them after the scan,
  // or, when a blob holds very many, those below `below` (the scan's position: Vectorscan reports
  // in order of end, and a keyword's forms end after it), so they are held in bounded memory.
  static constexpr auto flush_keyword_ends = [](Ctx& c, uint64_t below) {
    auto& v = c.s->keyword_ends;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    size_t kept = 0;
    for (auto [id, end] : v)
      if (end < below)
        add_end(c, id, end);
      else
        v[kept++] = {id, end};
    v.resize(kept);
  };
  auto on_match = [](unsigned int id, unsigned long long, unsigned long long to, unsigned int,
                     void* p) -> int {
    auto& c = *static_cast<Ctx*>(p);
    const size_t rules = c.rules->size();
    if (id >= rules || c.impl->keyword_splits[id]) {
      if (id < rules) {
        c.s->keyword_ends.emplace_back(id, to);
      } else if (const PatternSet::KeywordId k = c.impl->keyword_ids[id - rules];
                 c.impl->keyword_splits[k.rule]) {  // a keyword of a split rule: its forms' ends
        c.impl->keyword_splits[k.rule]->ends(c.data, k.keyword, to, [&](uint64_t end) {
          c.s->keyword_ends.emplace_back(k.rule, end);
        });
      }
      if (c.s->keyword_ends.size() >= kKeywordEndsHeld) flush_keyword_ends(c, to);
      return 0;
    }
    if (const auto& tail = c.impl->tails[id]) {
      // A head's end: the pattern's own ends from it, as Vectorscan would have reported them.
      tail->ends(
          c.data, to, [&](uint64_t end) { add_end(c, id, end); },
          [&](uint64_t end) { c.s->at_data_end.emplace_back(id, end); });
      return 0;
    }
    add_end(c, id, to);
    return 0;
  };
  scratch.at_data_end.clear();
  scratch.keyword_ends.clear();
  hs_error_t rc = hs_scan(impl_->db.get(), data.data(), static_cast<unsigned>(data.size()), 0, scratch.hs,
                          on_match, &ctx);
  for (auto [id, end] : scratch.at_data_end) add_end(ctx, id, end);
  flush_keyword_ends(ctx, UINT64_MAX);
  // Every open slot is closed, even after a failed scan: the next blob starts with none open.
  // Windows of one rule never share a first end, so the sort below orders them the same whatever
  // order they are closed in.
  for (uint32_t id : scratch.opened) {
    scratch.windows.push_back(scratch.open[id]);
    scratch.open[id].rule = kNoWindow;
  }
  scratch.opened.clear();
  if (rc != HS_SUCCESS)
    return make_error(ErrorCode::kInternal, "Vectorscan scan failed (" + std::to_string(rc) + ")",
                      blob.display_path());
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

  // A CSV read in windows has its header row in the first window only (a later one starts on a
  // row, which would read as a header of other names).
  // The chain's last name is the blob's own path: display_path() would build a string for every
  // blob scanned, and only a context hit needs it.
  const bool table = !blob.starts_mid_text() && !blob.chain().empty() &&
                     context::is_delimited_table(blob.chain().back());
  if ((!scratch.context_hits.empty() || table) && !blob.translated())
    scan_context(data, blob.display_path(), scratch.context_hits, impl_->context_rules,
                 context::builtin_scorer_model(), out, table);

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
