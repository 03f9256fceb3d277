// What a value's characters say about it, independent of the rule or context that found it. One
// definition shared by the provider validators and the context scorer, so "filler" means the same
// thing whichever path a finding took.
#pragma once

#include <cstddef>
#include <string_view>

namespace keysweep {

// Longest runs (case-insensitive) in a value: of one repeated character (8 for "xxxxxxxx") and of
// an ascending or descending sequence (10 for "ABCDEFGHIJ", 4 for "4321").
struct CharacterRuns {
  size_t repeated = 0;
  size_t sequence = 0;
};
CharacterRuns longest_runs(std::string_view value);

// Filler a person typed, not key material: a run or sequence that is most of the value ("AKIA" +
// "AAAA…"), a long sequence anywhere ("…-ABCDEFGHIJKL-…"; a long run of one character is not enough,
// real formats have them: Twitter bearer tokens, Dropbox long-lived tokens), a short repeated
// unit ("abcabcabc"), or letters and
// digits interleaved, each stepping by one ("A1B2C3D4"). None of these occurs by chance in a
// random token of any length keysweep reports.
bool is_filler(std::string_view value);

// Whether the letters of `text` (other bytes are skipped) are cased as a person writes a word: all
// lower, all UPPER, or Capitalised ("Sample"); not in random case ("sAmPlE", "YQznw").
bool cased_as_a_word(std::string_view text);

// Whether `value` holds `lower_word` (given in lower case) written as a person writes a word: its
// letters in one case ("xxxx", "XXXX", "here", "HERE") or Capitalised ("Sample"). A random key's
// letters in mixed case hold such words case-insensitively by chance ("IxXXxh0", "aHeRe" in a
// 40-character base62 key, about one key in a thousand for the placeholder words); a placeholder
// a person typed does not mix cases within a word.
bool contains_word_as_written(std::string_view value, std::string_view lower_word);

}  // namespace keysweep
