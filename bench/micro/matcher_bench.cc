// Matcher throughput over the two kinds of bytes a scan meets: source text (where the rules'
// keywords and literal prefixes occur often) and binary data (where they almost never do). Each
// buffer is 8 MiB and generated from a fixed seed, so runs are comparable across machines and
// commits. The engine-only cases show what the Vectorscan pass and a plain RE2 loop cost on their
// own, to tell matcher overhead from engine cost.
#include <benchmark/benchmark.h>
#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/blob.h"
#include "match/database.h"
#include "match/matcher.h"
#include "rules/rule.h"

namespace {

using keysweep::Blob;
using keysweep::Matcher;
using keysweep::RuleMatch;

constexpr size_t kBufferSize = 8u << 20;
constexpr int kPlantedSecrets = 4;  // one of each kind below, written `kPlantedSecrets` times each

// xorshift64*: deterministic and independent of the standard library's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }

 private:
  uint64_t s_;
};

std::string random_chars(Rng& rng, std::string_view alphabet, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += alphabet[rng.below(alphabet.size())];
  return s;
}

// Fake credentials of the right shape, made at run time so none sits in the source tree.
std::vector<std::string> fake_secret_lines(Rng& rng) {
  const std::string hex = "0123456789abcdef";
  const std::string base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return {
      "    private static final String TWILIO_SID = \"AC" + random_chars(rng, hex, 32) + "\";\n",
      "    twilio_auth_token = \"" + random_chars(rng, hex, 32) + "\"\n",
      "aws_access_key_id = AKIA" + random_chars(rng, base32, 16) + "\n",
      "aws_secret_access_key = " + random_chars(rng, b64, 40) + "\n",
  };
}

// Code-like text: identifiers, keywords, string literals, numbers, comments. Words that are rule
// keywords ("token", "secret", "key", "auth") and "AC"/"SK" prefixes occur at realistic rates so
// the prefilter reports candidates that RE2 must then reject.
std::string make_source_buffer(size_t size) {
  Rng rng(0x6b657973776565ull);
  static const char* const kWords[] = {
      "return", "if",      "else",   "for",    "while",  "const",  "static", "int",    "void",
      "string", "token",   "buffer", "size",   "count",  "index",  "value",  "result", "error",
      "key",    "secret",  "auth",   "config", "client", "server", "handle", "data",   "length",
      "ACTION", "SKIP",    "offset", "node",   "next",   "parent", "child",  "init",   "status",
      "auth_token_cache",  "api_key_id",       "session", "user",  "password_hint", "aws_region"};
  const size_t nwords = sizeof(kWords) / sizeof(kWords[0]);
  const std::string hex = "0123456789abcdef";
  auto secrets = fake_secret_lines(rng);

  std::string out;
  out.reserve(size + 256);
  size_t next_plant = size / (kPlantedSecrets * secrets.size() + 1);
  size_t plant_every = next_plant;
  size_t planted = 0;
  while (out.size() < size) {
    if (out.size() >= next_plant && planted < kPlantedSecrets * secrets.size()) {
      out += secrets[planted % secrets.size()];
      ++planted;
      next_plant += plant_every;
      continue;
    }
    out.append(rng.below(4) * 2, ' ');
    switch (rng.below(8)) {
      case 0:
        out += "// ";
        for (size_t i = 0, n = 3 + rng.below(8); i < n; ++i) (out += kWords[rng.below(nwords)]) += ' ';
        break;
      case 1:  // a hash-like constant, short enough not to be a 32-digit token
        out += std::string(kWords[rng.below(nwords)]) + " = 0x" + random_chars(rng, hex, 8 + rng.below(8)) + ";";
        break;
      case 2:
        out += std::string(kWords[rng.below(nwords)]) + " = \"" + kWords[rng.below(nwords)] + "_" +
               kWords[rng.below(nwords)] + "\";";
        break;
      default:
        for (size_t i = 0, n = 2 + rng.below(6); i < n; ++i) {
          out += kWords[rng.below(nwords)];
          out += "(),.;=+ "[rng.below(8)];
        }
    }
    out += '\n';
  }
  out.resize(size);
  return out;
}

std::string make_random_buffer(size_t size) {
  Rng rng(0x62696e617279ull);
  std::string out(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng.next();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

const std::string& source_buffer() {
  static const std::string b = make_source_buffer(kBufferSize);
  return b;
}
const std::string& random_buffer() {
  static const std::string b = make_random_buffer(kBufferSize);
  return b;
}

const Matcher& builtin_matcher() {
  static const std::unique_ptr<Matcher> m = [] {
    auto rules = keysweep::load_builtin_rules();
    if (!rules) std::abort();
    auto compiled = Matcher::compile(std::move(*rules));
    if (!compiled) std::abort();
    return std::move(*compiled);
  }();
  return *m;
}

// The whole matcher on one Blob: Vectorscan pass, RE2 confirmation, validators, generic shadowing.
void run_matcher(benchmark::State& state, const std::string& bytes, size_t expected_min) {
  const Matcher& matcher = builtin_matcher();
  auto scratch = matcher.make_scratch();
  Blob blob(bytes, nullptr, {"bench"});
  std::vector<RuleMatch> out;
  keysweep::MatchStats stats;
  for (auto _ : state) {
    out.clear();
    auto r = matcher.scan(blob, *scratch, out, &stats);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  // A benchmark that stopped finding the planted secrets measures the wrong thing.
  if (out.size() < expected_min) state.SkipWithError("planted secrets were not all found");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
  state.counters["matches"] = static_cast<double>(out.size());
  state.counters["candidates/iter"] =
      static_cast<double>(stats.candidates) / static_cast<double>(state.iterations());
}

void BM_Matcher_SourceText(benchmark::State& state) {
  run_matcher(state, source_buffer(), kPlantedSecrets * 4);
}
void BM_Matcher_RandomBytes(benchmark::State& state) { run_matcher(state, random_buffer(), 0); }

// A source tree is mostly small files: the same 8 MiB of text cut into Blobs of `range(0)` bytes
// shows the fixed cost of each scan call.
void BM_Matcher_SourceTextInBlobs(benchmark::State& state) {
  const Matcher& matcher = builtin_matcher();
  auto scratch = matcher.make_scratch();
  const std::string& bytes = source_buffer();
  size_t piece = static_cast<size_t>(state.range(0));
  std::vector<Blob> blobs;
  for (size_t off = 0; off < bytes.size(); off += piece)
    blobs.emplace_back(std::string_view(bytes).substr(off, piece), nullptr,
                       std::vector<std::string>{"bench"});
  std::vector<RuleMatch> out;
  for (auto _ : state) {
    for (const Blob& b : blobs) {
      out.clear();
      auto r = matcher.scan(b, *scratch, out);
      if (!r) {
        state.SkipWithError(r.error().message.c_str());
        return;
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
  state.counters["blobs"] = static_cast<double>(blobs.size());
}
BENCHMARK(BM_Matcher_SourceText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Matcher_RandomBytes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Matcher_SourceTextInBlobs)->Arg(1 << 12)->Arg(1 << 16)->Unit(benchmark::kMillisecond);

// Engine only: the same rule patterns in one Vectorscan database (prefilter mode where the matcher
// would use it), with a callback that only counts. This is the floor under the matcher. Compiled
// for this machine (range(0) == 0, "host") or for the baseline target the built-in database is
// built for (1, "baseline": no tuning, no AVX2/AVX-512), to show what the baseline costs.
void run_vectorscan_only(benchmark::State& state, const std::string& bytes) {
  const bool baseline = state.range(0) == 1;
  state.SetLabel(baseline ? "baseline target" : "host target");
  const hs_platform_info_t platform =
      (baseline ? keysweep::baseline_target() : keysweep::host_target()).platform();
  const auto& rules = builtin_matcher().rules().rules;
  const auto& prefiltered = builtin_matcher().prefiltered_rules();
  std::vector<const char*> patterns;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    patterns.push_back(rules[i].pattern.c_str());
    bool pre = std::find(prefiltered.begin(), prefiltered.end(), rules[i].id) != prefiltered.end();
    flags.push_back(pre ? HS_FLAG_PREFILTER : 0);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, &platform, &db, &err) != HS_SUCCESS) {
    state.SkipWithError(err && err->message ? err->message : "compile failed");
    hs_free_compile_error(err);
    return;
  }
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  uint64_t reports = 0;
  auto count = [](unsigned, unsigned long long, unsigned long long, unsigned, void* p) -> int {
    ++*static_cast<uint64_t*>(p);
    return 0;
  };
  for (auto _ : state) {
    hs_scan(db, bytes.data(), static_cast<unsigned>(bytes.size()), 0, scratch, count, &reports);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
  state.counters["reports/iter"] = static_cast<double>(reports) / static_cast<double>(state.iterations());
  hs_free_scratch(scratch);
  hs_free_database(db);
}
void BM_VectorscanOnly_SourceText(benchmark::State& state) { run_vectorscan_only(state, source_buffer()); }
void BM_VectorscanOnly_RandomBytes(benchmark::State& state) { run_vectorscan_only(state, random_buffer()); }
BENCHMARK(BM_VectorscanOnly_SourceText)->ArgName("baseline")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_VectorscanOnly_RandomBytes)->ArgName("baseline")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Engine only, without the prefilter: every rule's RE2 run over the whole buffer, as a scanner with
// "a regex per rule" does. Shows what the Vectorscan pass saves.
void run_re2_only(benchmark::State& state, const std::string& bytes) {
  RE2::Options opts;
  opts.set_encoding(RE2::Options::EncodingLatin1);
  opts.set_log_errors(false);
  std::vector<std::unique_ptr<RE2>> res;
  for (const auto& r : builtin_matcher().rules().rules) res.push_back(std::make_unique<RE2>(r.pattern, opts));
  uint64_t found = 0;
  for (auto _ : state) {
    for (const auto& re : res) {
      re2::StringPiece text(bytes);
      while (RE2::FindAndConsume(&text, *re)) ++found;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes.size()));
  state.counters["matches/iter"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}
void BM_RE2Only_SourceText(benchmark::State& state) { run_re2_only(state, source_buffer()); }
void BM_RE2Only_RandomBytes(benchmark::State& state) { run_re2_only(state, random_buffer()); }
BENCHMARK(BM_RE2Only_SourceText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RE2Only_RandomBytes)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
