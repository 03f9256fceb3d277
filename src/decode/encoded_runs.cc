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

// Bit k: text[p + k] is in the base64 alphabet, for 64 bytes at p.
uint64_t alphabet_mask(const char* p) {
  uint64_t m = 0;
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
    m |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(in))) << (16 * k);
  }
#else
  for (int k = 0; k < 64; ++k) m |= static_cast<uint64_t>(cls(p[k]) & kB64) << k;
#endif
  return m;
}

#if KEYSWEEP_ALPHABET_AVX2
// alphabet_mask 32 bytes at a time: the same tests, half the instructions. This pass reads every
// byte of every text file; with SSE2 it was most of the decode pass's 8% of a -j1 scan of source
// trees (issue 16.5).
__attribute__((target("avx2"))) uint64_t alphabet_mask_avx2(const char* p) {
  uint64_t m = 0;
  for (int k = 0; k < 2; ++k) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
    const __m256i a = _mm256_sub_epi8(v, _mm256_set1_epi8('A'));
    const __m256i upper = _mm256_cmpeq_epi8(_mm256_min_epu8(a, _mm256_set1_epi8('Z' - 'A')), a);
    const __m256i l = _mm256_sub_epi8(v, _mm256_set1_epi8('a'));
    const __m256i lower = _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8('z' - 'a')), l);
    const __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('+'));
    const __m256i digits = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8('9' - '+')), d);
    const __m256i comma_dot = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(',')),
                                              _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.')));
    const __m256i in = _mm256_or_si256(_mm256_or_si256(upper, lower),
                                       _mm256_or_si256(_mm256_andnot_si256(comma_dot, digits),
                                                       _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_'))));
    m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(in))) << (32 * k);
  }
  return m;
}
#endif

// The mask function this CPU runs best, chosen once.
using AlphabetMask = uint64_t (*)(const char*);
AlphabetMask best_alphabet_mask() {
#if KEYSWEEP_ALPHABET_AVX2
  if (__builtin_cpu_supports("avx2")) return alphabet_mask_avx2;
#endif
  return alphabet_mask;
}

// Bit k: bits k .. k+19 of m are all set (a run of kMinBase64Run starts at k).
uint64_t run_starts(uint64_t m) {
  static_assert(kMinBase64Run == 20);
  uint64_t a2 = m & (m >> 1), a4 = a2 & (a2 >> 2), a8 = a4 & (a4 >> 4), a16 = a8 & (a8 >> 8);
  return a16 & (a4 >> 16);
}

// 64 bytes at a time, the alphabet as a bit mask: most blocks of prose and code hold no run of 20
// and cost a few vector instructions. In a block that may, the runs are read off the mask (two bit
// scans a run) rather than byte by byte: rendered resource tables and DEX strings put a long
// identifier-like key on every line, and walking each of them a byte at a time was 3% of an APK
// scan. The last partial block goes to scan_window.
void find_alphabet_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out) {
  static const AlphabetMask mask_of = best_alphabet_mask();
  const size_t n = text.size();
  size_t i = 0, carry = 0;  // carry: alphabet bytes right before i (the byte before them is not)
  while (i + 64 <= n) {
    uint64_t m = mask_of(text.data() + i);
    const bool hit = run_starts(m) != 0 ||
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
      m &= ~uint64_t{0} << k;
      carry = 0;
    }
    while (m != 0) {
      const size_t start = static_cast<size_t>(std::countr_zero(m));
      const size_t k = static_cast<size_t>(std::countr_one(m >> start));
      if (start + k == 64) {  // runs on into the next block
        carry = k;
        break;
      }
      if (k >= kMinBase64Run) classify_run(text, i + start, i + start + k, max_run, out);
      m &= ~(((uint64_t{1} << k) - 1) << start);
    }
    i += 64;
  }
  scan_window(text, i - carry, n, max_run, out);
}

// Runs holding `trigger` escapes: `is_escape(pos)` says whether the trigger at pos starts one, then
// the run grows both ways until `is_end` (escaped characters do not end it).
template <typename IsEscape, typename IsEnd>
void find_escaped_runs(std::string_view text, char trigger, Encoding e, uint64_t max_run,
                       IsEscape is_escape, IsEnd is_end, std::vector<EncodedRun>& out) {
  const size_t n = text.size();
  size_t pos = 0, floor = 0;
  while (pos < n) {
    const void* hit = std::memchr(text.data() + pos, trigger, n - pos);
    if (!hit) break;
    size_t p = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    if (!is_escape(p)) {
      // "\\u0041" is a backslash and "u0041": the escaped backslash is skipped with its escape.
      pos = p + (trigger == '\\' && p + 1 < n && text[p + 1] == '\\' ? 2 : 1);
      continue;
    }
    size_t lo = p;
    while (lo > floor && p - lo < max_run && !is_end(text[lo - 1])) --lo;
    size_t hi = p;
    while (hi < n && hi - lo < max_run && !is_end(text[hi])) hi += text[hi] == '\\' ? 2 : 1;
    hi = std::min<size_t>({hi, n, static_cast<size_t>(lo + max_run)});
    add(out, e, lo, hi);
    floor = pos = hi;
  }
}

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

uint64_t base64_alphabet_mask(const char* p, bool baseline) {
  return baseline ? alphabet_mask(p) : best_alphabet_mask()(p);
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

void find_encoded_runs(std::string_view text, uint64_t max_run, std::vector<EncodedRun>& out) {
  if (max_run < kMinBase64Run) return;
  find_alphabet_runs(text, max_run, out);
  const size_t n = text.size();
  auto hex2 = [&](size_t i) { return i + 1 < n && is_hex(text[i]) && is_hex(text[i + 1]); };
  find_escaped_runs(
      text, '%', Encoding::kPercent, max_run, [&](size_t p) { return hex2(p + 1); },
      [](char c) { return !is_url_byte(c); }, out);
  find_escaped_runs(
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
      ends_string, out);
}

}  // namespace keysweep::decode
