// String literals joined with `+` across one or more lines: how a key split into parts to keep it
// out of a single line ("AKIA" + "..."), or a long base64 value folded by a formatter, is written
// in Java, Kotlin, JavaScript, TypeScript, C#, Swift and Python. This looks only where memchr finds
// a '+', and at the byte before it, so text without such chains costs one memchr pass.
#include <cstring>

#include "decode/encoded_runs.h"

namespace keysweep::decode {

namespace {

// Whitespace skipped between a literal and its `+` (a formatter's line break and indentation).
constexpr size_t kMaxGap = 64;
// Line text kept before the first literal (`TWILIO_AUTH_TOKEN = `), for keyword rules.
constexpr size_t kMaxPrefix = 128;

bool is_quote(char c) { return c == '"' || c == '\''; }
bool is_gap(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_line_end(char c) { return c == '\n' || c == '\r'; }

// Whether the character at `i` is escaped by an odd number of backslashes after `floor`.
bool escaped(std::string_view t, size_t i, size_t floor) {
  size_t n = 0;
  while (i > floor && t[i - 1] == '\\') {
    --i;
    ++n;
  }
  return n % 2 == 1;
}

// The opening quote of the literal that ends with the quote at `close`, on the same line, not
// before `floor`; npos if there is none.
size_t open_before(std::string_view t, size_t close, size_t floor) {
  if (escaped(t, close, floor)) return std::string_view::npos;
  for (size_t i = close; i-- > floor;) {
    if (is_line_end(t[i])) break;
    if (t[i] == t[close] && !escaped(t, i, floor)) return i;
  }
  return std::string_view::npos;
}

// The closing quote of the literal opened at `open`, on the same line; npos if there is none.
size_t close_after(std::string_view t, size_t open) {
  for (size_t i = open + 1; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
      continue;
    }
    if (is_line_end(t[i])) break;
    if (t[i] == t[open]) return i;
  }
  return std::string_view::npos;
}

// Past whitespace from `i` forward, at most kMaxGap bytes; npos when none of it is left.
size_t skip_gap(std::string_view t, size_t i) {
  size_t limit = std::min(t.size(), i + kMaxGap);
  while (i < limit && is_gap(t[i])) ++i;
  return i < t.size() ? i : std::string_view::npos;
}

}  // namespace

void find_literal_chains(std::string_view text, uint64_t max_run, std::vector<LiteralChain>& out) {
  const size_t n = text.size();
  size_t pos = 0, floor = 0;  // floor: the end of the last chain; none starts before it
  while (pos < n) {
    const void* hit = std::memchr(text.data() + pos, '+', n - pos);
    if (!hit) break;
    const size_t plus = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    pos = plus + 1;
    size_t l = plus;
    while (l > floor && plus - l < kMaxGap && is_gap(text[l - 1])) --l;
    if (l <= floor || !is_quote(text[l - 1])) continue;
    const size_t open0 = open_before(text, l - 1, floor);
    if (open0 == std::string_view::npos) continue;
    LiteralChain chain;
    chain.parts.push_back({open0 + 1, l - 1 - (open0 + 1)});
    size_t after = plus;  // a '+' that may continue the chain
    while (true) {
      const size_t r = skip_gap(text, after + 1);
      if (r == std::string_view::npos || !is_quote(text[r])) break;
      const size_t close = close_after(text, r);
      if (close == std::string_view::npos) break;
      chain.parts.push_back({r + 1, close - (r + 1)});
      chain.end = close + 1;
      const size_t next = skip_gap(text, close + 1);
      if (next == std::string_view::npos || text[next] != '+' ||
          (next + 1 < n && (text[next + 1] == '+' || text[next + 1] == '='))) {
        break;
      }
      after = next;
    }
    if (chain.parts.size() < 2) continue;
    // The line's text before the first literal (without its indentation), bounded.
    size_t start = open0;
    while (start > floor && open0 - start < kMaxPrefix && !is_line_end(text[start - 1])) --start;
    while (start < open0 && (text[start] == ' ' || text[start] == '\t')) ++start;
    chain.start = start;
    uint64_t content = 0;
    for (const auto& p : chain.parts) content += p.length;
    pos = floor = chain.end;
    if (content < kMinJoinedLiterals || chain.end - chain.start > max_run) continue;
    out.push_back(std::move(chain));
  }
}

std::string join_literal_chain(std::string_view text, const LiteralChain& chain,
                               std::vector<uint64_t>* text_starts, std::vector<uint64_t>* starts) {
  std::string joined(text.substr(chain.start, chain.parts.front().offset - chain.start));
  for (size_t k = 0; k < chain.parts.size(); ++k) {
    const auto& p = chain.parts[k];
    if (k > 0) {
      text_starts->push_back(joined.size());
      starts->push_back(p.offset);
    } else {
      text_starts->push_back(0);
      starts->push_back(chain.start);
    }
    joined.append(text.substr(p.offset, p.length));
  }
  joined += text[chain.end - 1];  // the closing quote, so a rule's terminator sees one
  return joined;
}

}  // namespace keysweep::decode
