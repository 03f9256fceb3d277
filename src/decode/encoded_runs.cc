#include "decode/encoded_runs.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of the x86-64 baseline
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>  // AVX2, used when the CPU has it (alphabet_mask_avx2)
#define KEYSWEEP_ALPHABET_AVX2 1
#endif

namespace keysweep::decode {

namespace {

enum : uint8_t { kB64 = 1, kHexDigit = 2, kUpper = 4, kLower = 8, kStd = 16, kUrl = 32 };

constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kB64 | kUpper | (c <= 'F' ? kHexDigit : 0);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kB64 | kLower | (c <= 'f' ? kHexDigit : 0);
  for (int c = '0'; c <= '9'; ++c) t[c] = kB64 | kHexDigit;
  t['+'] = t['/'] = kB64 | kStd;
  t['-'] = t['_'] = kB64 | kUrl;
  return t;
}();

uint8_t cls(char c) { return kClass[static_cast<uint8_t>(c)]; }
bool is_hex(char c) { return cls(c) & kHexDigit; }

// A percent-encoded value ends where a URL or a query string would: at white space, quotes, angle
// brackets, control characters.
bool is_url_byte(char ch) {
  auto c = static_cast<uint8_t>(ch);
  return c > 0x20 && c != 0x7F && c != '"' && c != '\'' && c != '`' && c != '<' && c != '>' &&
         c != '\\';
}

// An escaped string ends at its quote or at the end of the line.
bool ends_string(char c) { return c == '"' || c == '\'' || c == '`' || c == '\n' || c == '\r'; }

// Whether the 8 characters at p (in the base64 alphabet) decode to 6 bytes of ASCII text. Base64
// of text passes; identifiers such as ossl_check_const_ASN1 or OPENSSL_sk_new, which make up most
// long alphabet runs in source code, fail on their first letters (a random string passes once in
// a few hundred), so they never reach a decoder.
bool starts_like_base64_text(const char* p) {
  auto sextet = [](char c) -> uint32_t {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : 63;
  };
  for (int g = 0; g < 2; ++g) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = v << 6 | sextet(p[4 * g + k]);
    for (int shift = 16; shift >= 0; shift -= 8) {
      uint32_t b = (v >> shift) & 0xFF;
      if (!((b >= 0x20 && b < 0x7F) || b == '\t' || b == '\n' || b == '\r')) return false;
    }
  }
  return true;
}

void add(std::vector<EncodedRun>& out, Encoding e, size_t lo, size_t hi) {
  out.push_back(EncodedRun{e, lo, hi - lo});
}

// One maximal run of base64-alphabet characters [lo, hi): its hex stretches, and the run itself as
// base64 when it starts like base64 of text, has both letter cases (a run of 20 base64 characters
// without an upper or a lower case letter comes by chance once in 30,000; identifiers in
// snake_case or CAPS are skipped so), and its + / - _ are not many more than the one in 16 of
// base64 (paths). Long runs are mostly identifiers in source code: the per-byte work is kept to
// the runs that pass the first-characters check.
void classify_run(std::string_view text, size_t lo, size_t hi, uint64_t max_run,
                  std::vector<EncodedRun>& out) {
  bool all_hex = false;
  // Hex stretches of kMinHexRun or more, sampled like the runs themselves.
  for (size_t i = lo + kMinHexRun - 1, floor = lo; i < hi;) {
    if (!is_hex(text[i])) {
      i += kMinHexRun;
      continue;
    }
    size_t a = i, b = i + 1;
    while (a > floor && is_hex(text[a - 1])) --a;
    while (b < hi && is_hex(text[b])) ++b;
    if (b - a >= kMinHexRun) {
      add(out, Encoding::kHex, a, a + (std::min<uint64_t>(b - a, max_run) & ~uint64_t{1}));
      all_hex |= a == lo && b == hi;
    }
    floor = b;
    i = b + kMinHexRun;
  }
  if (all_hex) return;
  size_t end = hi;
  for (int pad = 0; pad < 2 && end < text.size() && text[end] == '='; ++pad) ++end;
  auto add_base64 = [&](size_t from) {
    if (!starts_like_base64_text(text.data() + from)) return;
    uint8_t seen = 0;
    size_t symbols = 0;
    for (size_t i = from; i < hi; ++i) {
      const uint8_t c = cls(text[i]);
      seen |= c;
      symbols += (c & (kStd | kUrl)) != 0;
    }
    if (!(seen & kUpper) || !(seen & kLower) || symbols > 2 + (hi - from) / 8) return;
    size_t len = end - from;
    if (len > max_run) len = max_run & ~size_t{3};
    add(out, Encoding::kBase64, from, from + len);
  };
  add_base64(lo);
  // A path or URL ending in a token: the token alone, since its alignment is its own (when it is
  // the run's alignment, the whole run's decoding holds it already).
  const void* slash = memrchr(text.data() + lo, '/', hi - lo);
  if (!slash) return;
  const size_t tail = static_cast<size_t>(static_cast<const char*>(slash) - text.data()) + 1;
  if (hi - tail >= kMinBase64Run && (tail - lo) % 4 != 0) add_base64(tail);
}

// The sampling finder over [from, to): a run of kMinBase64Run characters covers one of every
// kMinBase64Run-th positions, so only those are looked at, and a run grows around a sample in the
// alphabet. text[from - 1] must not be in the alphabet (or from is 0). Runs may end past `to`.
// Returns where a caller resumes: every run starting before it has been found, and the byte
// before it is not in the alphabet.
size_t scan_window(std::string_view text, size_t from, size_t to, uint64_t max_run,
                   std::vector<EncodedRun>& out) {
  constexpr size_t kStep = kMinBase64Run;
  const size_t n = text.size();
  size_t floor = from;  // text[floor - 1] ends the previous run: no run grows left of it
  size_t i = from + kStep - 1;
  while (i < to && i < n) {
    if (!(cls(text[i]) & kB64)) {
      i += kStep;
      continue;
    }
    size_t lo = i, hi = i + 1;
    while (lo > floor && (cls(text[lo - 1]) & kB64)) --lo;
    while (hi < n && (cls(text[hi]) & kB64)) ++hi;
    if (hi - lo >= kMinBase64Run) classify_run(text, lo, hi, max_run, out);
    floor = hi;
    i = hi + kStep;
  }
  return std::min(n, i - (kStep - 1));
}

// For 64 bytes at p, SSE2 (the x86-64 baseline) or one byte at a time.
BlockMasks block_masks_baseline(const char* p) {
  BlockMasks m;
#if defined(__SSE2__)
  auto le = [](__m128i x, char k) {  // unsigned x <= k, per byte
    return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(k)), x);
  };
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i upper = le(_mm_sub_epi8(v, _mm_set1_epi8('A')), 'Z' - 'A');
    __m128i lower = le(_mm_sub_epi8(v, _mm_set1_epi8('a')), 'z' - 'a');
    // '+' to '9' is + , - . / 0-9: all but the comma and the dot.
    __m128i digits = le(_mm_sub_epi8(v, _mm_set1_epi8('+')), '9' - '+');
    __m128i comma_dot = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    __m128i in = _mm_or_si128(_mm_or_si128(upper, lower),
                              _mm_or_si128(_mm_andnot_si128(comma_dot, digits),
                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
    __m128i escapes = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('%')),
                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    m.alphabet |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(in))) << (16 * k);
    m.escapes |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(escapes))) << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k) {
    m.alphabet |= static_cast<uint64_t>(cls(p[k]) & kB64) << k;
    m.escapes |= static_cast<uint64_t>(p[k] == '%' || p[k] == '\\') << k;
  }
#endif
  return m;
}

#if KEYSWEEP_ALPHABET_AVX2
// The masks 32 bytes at a time, the alphabet by a table lookup on each half of a byte: bit b of
// kByLow[low nibble] and of kByHigh[high nibble] both set for some b when the byte is in it
// (b 0: + - / in 0x2_; 1: digits in 0x3_; 2: letters in 0x4_ and 0x6_ but @ and `; 3: letters in
// 0x5_ and 0x7_ up to Z and z; 4: _ in 0x5_). Bytes from 0x80 have no bit in kByHigh. This pass
// reads every byte of every text file: the lookup is 8 vector instructions a half where the
// range compares of the baseline take 16, and '%' and '\' come from the same loads, where two
// memchr passes over the text (one call per backslash in source code) cost as much again.
__attribute__((target("avx2"))) BlockMasks block_masks_avx2(const char* p) {
  const __m256i by_low = _mm256_setr_epi8(  //
      10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21,  //
      10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21);
  const __m256i by_high = _mm256_setr_epi8(  //
      0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0,  //
      0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  BlockMasks m;
  for (int k = 0; k < 2; ++k) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
    const __m256i low = _mm256_shuffle_epi8(by_low, _mm256_and_si256(v, nibble));
    const __m256i high = _mm256_shuffle_epi8(by_high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
    const __m256i out = _mm256_cmpeq_epi8(_mm256_and_si256(low, high), _mm256_setzero_si256());
    const __m256i escapes = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('%')),
                                            _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')));
    m.alphabet |= static_cast<uint64_t>(~static_cast<uint32_t>(_mm256_movemask_epi8(out))) << (32 * k);
    m.escapes |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(escapes))) << (32 * k);
  }
  return m;
}
#endif

#if KEYSWEEP_ALPHABET_AVX2
// The same lookup on all 64 bytes at once: one load, and the masks come straight out of the
// compares (no movemask, no shifting halves together).
__attribute__((target("avx512bw"))) BlockMasks block_masks_avx512(const char* p) {
  // The AVX2 tables, in each 16-byte lane (loaded, as _mm512_broadcast_i32x4 warns in GCC 12).
  alignas(64) static constexpr std::array<uint8_t, 64> kByLow = [] {
    constexpr uint8_t lane[16] = {10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 5, 4, 21};
    std::array<uint8_t, 64> t{};
    for (int i = 0; i < 64; ++i) t[i] = lane[i % 16];
    return t;
  }();
  alignas(64) static constexpr std::array<uint8_t, 64> kByHigh = [] {
    constexpr uint8_t lane[16] = {0, 0, 1, 2, 4, 24, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0};
    std::array<uint8_t, 64> t{};
    for (int i = 0; i < 64; ++i) t[i] = lane[i % 16];
    return t;
  }();
  const __m512i by_low = _mm512_load_si512(kByLow.data());
  const __m512i by_high = _mm512_load_si512(kByHigh.data());
  const __m512i nibble = _mm512_set1_epi8(0x0F);
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i low = _mm512_shuffle_epi8(by_low, _mm512_and_si512(v, nibble));
  const __m512i high = _mm512_shuffle_epi8(by_high, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
  BlockMasks m;
  m.alphabet = _mm512_test_epi8_mask(low, high);
  m.escapes = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('%')) | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
  return m;
}

#endif

// The widest this CPU has, chosen once.
BlockMaskIsa best_isa() {
#if KEYSWEEP_ALPHABET_AVX2
  static const BlockMaskIsa isa = __builtin_cpu_supports("avx512bw") ? BlockMaskIsa::kAvx512
                                  : __builtin_cpu_supports("avx2")   ? BlockMaskIsa::kAvx2
                                                                     : BlockMaskIsa::kBaseline;
  return isa;
#else
  return BlockMaskIsa::kBaseline;
#endif
}

// Bit k: bits k .. k+19 of m are all set (a run of kMinBase64Run starts at k).
uint64_t run_starts(uint64_t m) {
  static_assert(kMinBase64Run == 20);
  uint64_t a2 = m & (m >> 1), a4 = a2 & (a2 >> 2), a8 = a4 & (a4 >> 4), a16 = a8 & (a8 >> 8);
  return a16 & (a4 >> 16);
}

// Runs holding escapes that start with `trigger`: `is_escape(pos)` says whether the trigger at pos
// starts one, then the run grows both ways until `is_end` (escaped characters do not end it). The
// triggers' offsets come in increasing order from the block pass (at()); runs go to `runs`.
template <typename IsEscape, typename IsEnd>
class EscapedRuns {
 public:
  EscapedRuns(std::string_view text, char trigger, Encoding e, uint64_t max_run, IsEscape is_escape,
              IsEnd is_end)
      : text_(text), trigger_(trigger), e_(e), max_run_(max_run), is_escape_(is_escape), is_end_(is_end) {}

  void at(size_t p) {
    // Twice when a run cut at max_run ends at or before p: the next run starts from p.
    while (p >= pos_) {  // else inside the last run, or the escaped backslash after a backslash
      const size_t n = text_.size();
      if (!is_escape_(p)) {
        // "\\u0041" is a backslash and "u0041": the escaped backslash is skipped with its escape.
        pos_ = p + (trigger_ == '\\' && p + 1 < n && text_[p + 1] == '\\' ? 2 : 1);
        return;
      }
      size_t lo = p;
      while (lo > floor_ && p - lo < max_run_ && !is_end_(text_[lo - 1])) --lo;
      size_t hi = p;
      while (hi < n && hi - lo < max_run_ && !is_end_(text_[hi])) hi += text_[hi] == '\\' ? 2 : 1;
      hi = std::min<size_t>({hi, n, static_cast<size_t>(lo + max_run_)});
      add(runs, e_, lo, hi);
      floor_ = pos_ = hi;
    }
  }

  std::vector<EncodedRun> runs;

 private:
  std::string_view text_;
  char trigger_;
  Encoding e_;
  uint64_t max_run_;
  IsEscape is_escape_;
  IsEnd is_end_;
  size_t pos_ = 0, floor_ = 0;
};

// Bit k: text[p + k] is printable ASCII and text[p + k + 1] is NUL (a UTF-16LE unit may start at
// k), for 16 positions at p; reads 17 bytes.
uint32_t utf16_unit_starts(const char* p) {
#if defined(__SSE2__)
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  // 0x20..0x7E: v - 0x20 <= 0x5E, unsigned.
  __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(0x20));
  __m128i printable = _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(0x5E)), shifted);
  __m128i nul = _mm_cmpeq_epi8(next, _mm_setzero_si128());
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_and_si128(printable, nul)));
#else
  uint32_t m = 0;
  for (int k = 0; k < 16; ++k) {
    auto c = static_cast<uint8_t>(p[k]);
    m |= static_cast<uint32_t>(c >= 0x20 && c < 0x7F && p[k + 1] == '\0') << k;
  }
  return m;
#endif
}

}  // namespace

BlockMaskIsa best_block_mask_isa() { return best_isa(); }

BlockMasks block_masks(const char* p, BlockMaskIsa isa) {
#if KEYSWEEP_ALPHABET_AVX2
  if (isa == BlockMaskIsa::kAvx512) return block_masks_avx512(p);
  if (isa == BlockMaskIsa::kAvx2) return block_masks_avx2(p);
#endif
  return block_masks_baseline(p);
}

void find_utf16le_runs(std::string_view bytes, uint64_t max_run, std::vector<EncodedRun>& out) {
  const size_t n = bytes.size();
  auto unit_at = [&](size_t i) {
    const auto c = static_cast<uint8_t>(bytes[i]);
    return bytes[i + 1] == '\0' && ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r');
  };
  // 16 positions at a time: most blocks of a binary hold no unit start and cost a few vector
  // instructions. A run starts with a printable unit (not a tab or line break).
  size_t i = 0;
  while (i + 1 < n) {
    if (i + 17 <= n) {
      uint32_t m = utf16_unit_starts(bytes.data() + i);
      if (m == 0) {
        i += 16;
        continue;
      }
      i += static_cast<size_t>(std::countr_zero(m));
    } else if (!unit_at(i) || bytes[i] < 0x20) {
      ++i;
      continue;
    }
    const size_t lo = i;
    size_t hi = lo + 2;
    while (hi + 1 < n && hi - lo < max_run && unit_at(hi)) hi += 2;
    if ((hi - lo) / 2 >= kMinUtf16Units) add(out, Encoding::kUtf16LeRun, lo, hi);
    // The other parity inside a run is no run (its high bytes are the run's characters).
    i = hi > lo + 2 ? hi : lo + 1;
  }
}

// One pass over the text, 64 bytes at a time, finds every kind of run: the alphabet as a bit mask,
// where most blocks of prose and code hold no run of 20 and cost a few vector instructions, and in
// a block that may, the runs of 20 or more read off the mask (two bit scans each; rendered resource
// tables and DEX strings put a long identifier-like key on every line, and walking each of them a
// byte at a time was 3% of an APK scan). '%' and '\' come from the same loads. The last partial
// block goes to scan_window and a byte loop. Percent and escape runs are kept aside so that the
// order stays kind, then offset.
namespace {

// The finder's loop, built once for each mask function into a function compiled for its
// instruction set (below), so that the mask computation is inlined, its constants stay in
// registers, and a block costs no call: the call and the stack traffic around it were more than
// the masks themselves.
template <BlockMasks (*masks_of)(const char*)>
[[gnu::always_inline]] inline void find_runs_with(std::string_view text, uint64_t max_run,
                                                  std::vector<EncodedRun>& out) {
  const size_t n = text.size();
  auto hex2 = [&](size_t i) { return i + 1 < n && is_hex(text[i]) && is_hex(text[i + 1]); };
  EscapedRuns percent(
      text, '%', Encoding::kPercent, max_run, [&](size_t p) { return hex2(p + 1); },
      [](char c) { return !is_url_byte(c); });
  EscapedRuns escape(
      text, '\\', Encoding::kEscape, max_run,
      [&](size_t p) {
        if (p + 1 >= n) return false;
        char e = text[p + 1];
        if (e == '/') return true;
        if (e == 'x') return hex2(p + 2);
        if (e != 'u') return false;
        if (p + 2 < n && text[p + 2] == '{') return true;
        return hex2(p + 2) && hex2(p + 4);
      },
      ends_string);
  auto at_escape = [&](size_t p) {
    if (text[p] == '%')
      percent.at(p);
    else
      escape.at(p);
  };
  size_t i = 0, carry = 0;  // carry: alphabet bytes right before i (the byte before them is not)
  while (i + 64 <= n) {
    const BlockMasks masks = masks_of(text.data() + i);
    for (uint64_t e = masks.escapes; e != 0; e &= e - 1) at_escape(i + static_cast<size_t>(std::countr_zero(e)));
    uint64_t m = masks.alphabet;
    uint64_t starts = run_starts(m);
    const bool hit = starts != 0 ||
                     (carry > 0 && carry + static_cast<size_t>(std::countr_one(m)) >= kMinBase64Run);
    if (!hit) {
      carry = m == ~uint64_t{0} ? carry + 64 : static_cast<size_t>(std::countl_one(m));
      i += 64;
      continue;
    }
    if (carry > 0) {  // the run open at i goes on for the block's first k bytes
      const size_t k = static_cast<size_t>(std::countr_one(m));
      if (k == 64) {
        carry += 64;
        i += 64;
        continue;
      }
      if (carry + k >= kMinBase64Run) classify_run(text, i - carry, i + k, max_run, out);
      // Run starts below k lie in that run (bit k is clear); those above do not depend on it.
      m &= ~uint64_t{0} << k;
      starts &= ~uint64_t{0} << k;
    }
    // Each run of 20 or more: the lowest start bit is its first byte. The run that reaches the
    // block's end, of any length, goes on into the next block.
    while (starts != 0) {
      const size_t start = static_cast<size_t>(std::countr_zero(starts));
      const size_t k = static_cast<size_t>(std::countr_one(m >> start));
      if (start + k == 64) break;
      classify_run(text, i + start, i + start + k, max_run, out);
      starts &= ~uint64_t{0} << (start + k);
    }
    carry = static_cast<size_t>(std::countl_one(m));
    i += 64;
  }
  scan_window(text, i - carry, n, max_run, out);
  for (size_t p = i; p < n; ++p)
    if (text[p] == '%' || text[p] == '\\') at_escape(p);
  out.insert(out.end(), percent.runs.begin(), percent.runs.end());
  out.insert(out.end(), escape.runs.begin(), escape.runs.end());
}

void find_runs_baseline(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out) {
  find_runs_with<block_masks_baseline>(text, max_run, out);
}

#if KEYSWEEP_ALPHABET_AVX2
__attribute__((target("avx2"))) void find_runs_avx2(std::string_view text, uint64_t max_run,
                                                    std::vector<EncodedRun>& out) {
  find_runs_with<block_masks_avx2>(text, max_run, out);
}

__attribute__((target("avx512bw"))) void find_runs_avx512(std::string_view text, uint64_t max_run,
                                                          std::vector<EncodedRun>& out) {
  find_runs_with<block_masks_avx512>(text, max_run, out);
}
#endif

}  // namespace

void find_encoded_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out,
                       std::optional<BlockMaskIsa> isa) {
  if (max_run < kMinBase64Run) return;
  switch (isa.value_or(best_isa())) {
#if KEYSWEEP_ALPHABET_AVX2
    case BlockMaskIsa::kAvx512: return find_runs_avx512(text, max_run, out);
    case BlockMaskIsa::kAvx2: return find_runs_avx2(text, max_run, out);
#endif
    default: return find_runs_baseline(text, max_run, out);
  }
}

}  // namespace keysweep::decode
