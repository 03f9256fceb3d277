// libFuzzer target: the input's first line is a pattern, the rest a text. When the pattern has a
// tail taken off (pattern_tail.h), Vectorscan's ends of the whole pattern over the text must be
// the ends derived from its head's, and make the same windows in the matcher: the reader of
// patterns checked against Vectorscan itself.
#include <hs/hs.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "match/pattern_tail.h"
#include "match/pattern_tail_check.h"

namespace {

hs_database_t* compile(const std::string& pattern) {
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(pattern.c_str(), 0, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    return nullptr;
  }
  return db;
}

struct Ends {
  std::string_view text;
  const keysweep::PatternTail* tail = nullptr;
  std::vector<uint64_t> ends, late;
};

std::vector<uint64_t> scan(hs_database_t* db, std::string_view text, const keysweep::PatternTail* tail) {
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) __builtin_trap();
  Ends e{text, tail, {}, {}};
  hs_scan(
      db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
      [](unsigned, unsigned long long, unsigned long long to, unsigned, void* p) {
        auto& c = *static_cast<Ends*>(p);
        if (c.tail)
          c.tail->ends(
              c.text, to, [&](uint64_t x) { c.ends.push_back(x); }, [&](uint64_t x) { c.late.push_back(x); });
        else
          c.ends.push_back(to);
        return 0;
      },
      &e);
  hs_free_scratch(scratch);
  e.ends.insert(e.ends.end(), e.late.begin(), e.late.end());
  return e.ends;
}

// Whether a number in the pattern (a repeat's bound, or digits as literals) is above the largest
// bound a built-in rule uses (1000). Vectorscan's compile time grows with bounded repeats: a
// mutated `[0-9]{15216}` took over 13 s to compile, past the fuzzer's timeout, and the reader's
// logic does not depend on how large the count is.
bool has_number_above_1000(std::string_view pattern) {
  uint64_t n = 0;
  for (char c : pattern) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + static_cast<uint64_t>(c - '0');
      if (n > 1000) return true;
    } else {
      n = 0;
    }
  }
  return false;
}

// A pattern that is one literal character and an assertion (`z\b`, `(?i)z\b`,
// `z(?:[^A-Za-z0-9_]|$)`): Vectorscan 5.4.9 reports no match for it when the character is at
// offset 64 or later of the buffer ("a" x 64 + "z\n"), where RE2 and the head-plus-tail reading
// both match. The oracle is wrong there, so such patterns are not compared. No rule is one
// character; a longer literal (`az\b`) or a class (`[xyz]\b`) is unaffected.
bool head_is_one_character(std::string_view head) {
  for (std::string_view flag : {"(?i)", "(?s)", "(?m)"})
    while (head.starts_with(flag)) head.remove_prefix(flag.size());
  if (head.size() == 1) return std::string_view(".^$|()[]{}*+?\\").find(head[0]) == std::string_view::npos;
  if (head.size() == 2 && head[0] == '\\') return !std::isalnum(static_cast<unsigned char>(head[1]));
  return head.size() == 4 && head.starts_with("\\x");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nl = in.find('\n');
  if (nl == std::string_view::npos || nl > 200) return 0;
  const std::string pattern(in.substr(0, nl));
  if (has_number_above_1000(pattern)) return 0;
  const std::string_view text = in.substr(nl + 1);
  auto split = keysweep::split_pattern_tail(pattern);
  if (!split || head_is_one_character(split->head)) return 0;
  hs_database_t* whole = compile(pattern);
  if (!whole) return 0;  // the matcher would compile it in prefilter mode, whole
  hs_database_t* head = compile(split->head);
  if (!head) __builtin_trap();  // a head of a pattern Vectorscan takes must be one it takes too
  const auto a = scan(whole, text, nullptr), b = scan(head, text, &split->tail);
  for (uint64_t max_length : {0, 8, 64})
    if (keysweep::windows_and_ends(a, max_length) != keysweep::windows_and_ends(b, max_length)) __builtin_trap();
  hs_free_database(whole);
  hs_free_database(head);
  return 0;
}
