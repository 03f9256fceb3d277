// A context rule's keyword forms, taken off its pattern for Vectorscan and matched here from each
// keyword it finds, with the same match ends as a result (issue 16.5).
//
// The generic rules (rules/generic.toml) begin with three forms of one keyword list K:
//   (?i)(?:K)\w{0,30}A|(?:K)\w{0,30}["']\s{0,2}[,>]|<\w{0,30}(?:K)\w{0,30}>|REST
//   A = (?:["'`\]\\]{0,3}|&quot;)(?:\s{1,12}(?:string|String|str|\[\]byte|value|Value))?[ \t]{0,16}(?:[:=]|[?.+]=)
// Vectorscan ran `key`, `token`, `auth`... followed by bounded word repeats as automata over every
// byte: generic.secret alone was a sixth of the database's time over source trees. Split, Vectorscan
// is given REST and each keyword as a plain literal (K's \b kept), and ends() finds the three forms'
// ends from each keyword it reports. The matcher needs from Vectorscan only the set of ends of a
// rule in increasing order (its windows are built from them): the union of REST's ends and these,
// sorted, is that.
//
// Matching the forms from a keyword is short because each part of them is followed by bytes the part
// cannot hold: the \w run after K must be whole (A, a quote and > are not word bytes), as must the
// word run between < and K, the \s and [ \t] runs and the run of ["'`\]\\]. So one keyword
// occurrence gives at most a few ends, each found by reading the runs after it once.
//
// Only this exact shape is split (K: lower-case ASCII words, each with an optional \b before and
// after); any other pattern is left whole.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keysweep {

struct KeywordSplit {
  struct Keyword {
    std::string text;  // lower case; matched case-insensitively
    bool boundary_before = false, boundary_after = false;
    std::string pattern;  // what Vectorscan is given: (?i) and the keyword with its \b
  };
  std::vector<Keyword> keywords;
  std::string rest;  // the alternatives after the three forms, with the pattern's (?i)

  // Calls end(e) for every end e of the three forms matched with keyword `k` ending at
  // `keyword_end` in `data` (no call when the keyword is not there); an end may come twice.
  template <typename End>
  void ends(std::string_view data, size_t k, uint64_t keyword_end, End end) const;

  static bool is_word(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }
  static bool is_space(uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // Vectorscan's \s
  static uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
};

// The keyword split of `pattern`, or nullopt when it is not of the shape above.
std::optional<KeywordSplit> split_keyword_pattern(std::string_view pattern);

template <typename End>
void KeywordSplit::ends(std::string_view data, size_t k, uint64_t keyword_end, End end) const {
  const Keyword& kw = keywords[k];
  const uint64_t n = data.size();
  const uint64_t len = kw.text.size();
  if (keyword_end < len || keyword_end > n) return;
  const uint64_t ks = keyword_end - len, ke = keyword_end;
  auto at = [&](uint64_t i) { return static_cast<uint8_t>(data[i]); };
  for (uint64_t i = 0; i < len; ++i)
    if (lower(at(ks + i)) != static_cast<uint8_t>(kw.text[i])) return;
  // The keyword's first and last bytes are letters: \b before it is a non-word byte (or the start).
  if (kw.boundary_before && ks > 0 && is_word(at(ks - 1))) return;
  if (kw.boundary_after && ke < n && is_word(at(ke))) return;
  // Runs of at most `limit` bytes of `in` from `from`: its length, or limit + 1 when longer.
  auto run = [&](uint64_t from, uint64_t limit, auto in) {
    uint64_t i = from;
    while (i < n && i - from <= limit && in(at(i))) ++i;
    return i - from;
  };
  const uint64_t word_run = run(ke, 30, is_word);
  if (word_run > 30) return;
  const uint64_t q = ke + word_run;  // where \w{0,30} after the keyword ends in all three forms
  if (q >= n) return;                 // each form has a byte more
  // Form 3: <\w{0,30}K\w{0,30}>
  if (at(q) == '>') {
    uint64_t r = 0;
    while (r <= 30 && r < ks && is_word(at(ks - 1 - r))) ++r;
    if (r <= 30 && r < ks && at(ks - 1 - r) == '<') end(q + 1);
  }
  // Form 2: ["']\s{0,2}[,>]
  if (at(q) == '"' || at(q) == '\'') {
    const uint64_t s = run(q + 1, 2, is_space);
    if (s <= 2 && q + 1 + s < n && (at(q + 1 + s) == ',' || at(q + 1 + s) == '>')) end(q + 2 + s);
  }
  // Form 1: A after q. (?:["'`\]\\]{0,3}|&quot;): the whole run of those bytes, or &quot;.
  auto quote = [](uint8_t c) { return c == '"' || c == '\'' || c == '`' || c == ']' || c == '\\'; };
  auto assign_from = [&](uint64_t b) {  // [ \t]{0,16}(?:[:=]|[?.+]=) from b
    const uint64_t t = run(b, 16, [](uint8_t c) { return c == ' ' || c == '\t'; });
    if (t > 16 || b + t >= n) return;
    const uint64_t c = b + t;
    if (at(c) == ':' || at(c) == '=') end(c + 1);
    if ((at(c) == '?' || at(c) == '.' || at(c) == '+') && c + 1 < n && at(c + 1) == '=') end(c + 2);
  };
  auto after_quote = [&](uint64_t a) {  // (?:\s{1,12}(?:string|str|\[\]byte|value))? then the rest
    assign_from(a);
    const uint64_t s = run(a, 12, is_space);
    if (s < 1 || s > 12) return;
    const uint64_t w = a + s;
    auto word_at = [&](std::string_view word) {
      if (w + word.size() > n) return false;
      for (size_t i = 0; i < word.size(); ++i)
        if (lower(at(w + i)) != static_cast<uint8_t>(word[i])) return false;
      return true;
    };
    for (std::string_view word : {"string", "str", "[]byte", "value"})
      if (word_at(word)) assign_from(w + word.size());
  };
  const uint64_t quotes = run(q, 3, quote);
  if (quotes <= 3) after_quote(q + quotes);
  if (q + 6 <= n && lower(at(q)) == '&' && lower(at(q + 1)) == 'q' && lower(at(q + 2)) == 'u' &&
      lower(at(q + 3)) == 'o' && lower(at(q + 4)) == 't' && at(q + 5) == ';')
    after_quote(q + 6);
}

}  // namespace keysweep
