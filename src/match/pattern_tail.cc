#include "match/pattern_tail.h"

#include <cctype>
#include <cstdlib>
#include <vector>

namespace keysweep {

namespace {

// One token of a pattern, as far as finding its tail needs: where it is, what it is, the depth of
// the group it sits in (0: the top level) and whether case-insensitive matching is on there.
struct Token {
  enum class Type : uint8_t { kChar, kEscape, kClass, kOpen, kClose, kAlt, kQuant, kDollar };
  Type type;
  size_t begin, end;  // in the pattern
  int depth;
  bool icase;
  bool plain_group = false;  // kOpen, kClose: a group with no alternation directly in it
  int group = -1;            // kOpen, kClose: the group's index
};

struct Group {
  bool alternation = false;
  bool icase_outside = false;  // restored when it closes
};

bool quantifier_at(std::string_view p, size_t i, size_t* end, uint32_t* lo, uint32_t* hi, bool* bounded) {
  char c = p[i];
  size_t j = i + 1;
  *bounded = false;
  if (c == '*' || c == '+' || c == '?') {
    *lo = c == '+' ? 1 : 0;
    *hi = c == '?' ? 1 : 0;
  } else if (c == '{') {
    auto digits = [&](uint32_t* v) {
      size_t s = j;
      while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
      if (j == s || j - s > 6) return false;
      *v = static_cast<uint32_t>(std::strtoul(std::string(p.substr(s, j - s)).c_str(), nullptr, 10));
      return true;
    };
    if (!digits(lo)) return false;
    *hi = *lo;
    *bounded = true;
    if (j < p.size() && p[j] == ',') {
      ++j;
      if (j < p.size() && p[j] == '}') {
        *bounded = false;
      } else if (!digits(hi)) {
        return false;
      }
    }
    if (j >= p.size() || p[j] != '}') return false;
    ++j;
  } else {
    return false;
  }
  if (j < p.size() && p[j] == '+') return false;  // possessive: not read here
  if (j < p.size() && p[j] == '?') ++j;           // lazy: the same ends
  *end = j;
  return true;
}

// An escape this reader knows the extent of: a backslash and one byte, none that starts a longer
// escape (\x41, \p{L}, \Q...\E, octal, back references).
bool simple_escape(char e) {
  return !(std::isdigit(static_cast<unsigned char>(e)) || e == 'x' || e == 'p' || e == 'P' || e == 'Q' ||
           e == 'E' || e == 'c' || e == 'N' || e == 'o' || e == 'g' || e == 'k' || e == 'C' || e == 'X' ||
           e == 'R' || e == 'K' || e == 'G') &&
         static_cast<unsigned char>(e) < 0x80;
}

// The pattern as tokens, or an empty list when it holds anything not read here.
std::vector<Token> tokenize(std::string_view p) {
  std::vector<Token> out;
  std::vector<Group> groups;
  std::vector<int> open;  // indices into groups
  bool icase = false;
  auto depth = [&] { return static_cast<int>(open.size()); };
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i];
    // A NUL ends the C string Vectorscan is given: what follows it is not what it compiles.
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') return {};
    Token t{Token::Type::kChar, i, i + 1, depth(), icase};
    if (c == '\\') {
      if (i + 1 >= p.size() || !simple_escape(p[i + 1])) return {};
      t.type = Token::Type::kEscape;
      t.end = i + 2;
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a leading ] is a member
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '[') return {};  // [:alpha:] and nested classes: not read here
        if (p[j] == '\\') {
          if (j + 1 >= p.size() || !simple_escape(p[j + 1])) return {};
          ++j;
        } else if (static_cast<unsigned char>(p[j]) >= 0x80) {
          return {};
        }
        ++j;
      }
      if (j >= p.size()) return {};
      t.type = Token::Type::kClass;
      t.end = j + 1;
    } else if (c == '(') {
      Group g{false, icase};
      size_t j = i + 1;
      bool setter = false;
      if (j < p.size() && p[j] == '?') {
        ++j;
        if (j < p.size() && (p[j] == 'P' || p[j] == '<') && p.substr(j, 2) != "<=" && p.substr(j, 2) != "<!") {
          size_t close = p.find('>', j);
          if (close == std::string_view::npos) return {};
          j = close + 1;  // a named group: captures, as ( does
        } else {
          bool negate = false, new_icase = icase;
          for (; j < p.size() && p[j] != ':' && p[j] != ')'; ++j) {
            if (p[j] == '-') negate = true;
            else if (p[j] == 'i') new_icase = !negate;
            else if (p[j] != 's') return {};  // m, x, U, lookarounds: not read here
          }
          if (j >= p.size()) return {};
          setter = p[j] == ')';
          ++j;
          icase = new_icase;  // (?i): for the rest of the enclosing group; (?i: inside this one
        }
      }
      if (setter) {
        // (?i): not a group; its token carries no meaning for the tail, but it must not be taken
        // for part of one, so it stands as an escape-like atom that no rule below accepts.
        t.type = Token::Type::kEscape;
        t.end = j;
        t.icase = icase;
        out.push_back(t);
        i = j;
        continue;
      }
      t.type = Token::Type::kOpen;
      t.end = j;
      t.group = static_cast<int>(groups.size());
      groups.push_back(g);
      open.push_back(t.group);
      out.push_back(t);
      i = j;
      continue;
    } else if (c == ')') {
      if (open.empty()) return {};
      t.type = Token::Type::kClose;
      t.group = open.back();
      open.pop_back();
      t.depth = depth();
      icase = groups[static_cast<size_t>(t.group)].icase_outside;
      t.icase = icase;
    } else if (c == '|') {
      t.type = Token::Type::kAlt;
      if (!open.empty()) groups[static_cast<size_t>(open.back())].alternation = true;
    } else if (c == '$') {
      t.type = Token::Type::kDollar;
    } else if (c == '*' || c == '+' || c == '?' || c == '{') {
      uint32_t lo, hi;
      bool bounded;
      size_t end;
      if (!quantifier_at(p, i, &end, &lo, &hi, &bounded)) return {};
      t.type = Token::Type::kQuant;
      t.end = end;
    }
    out.push_back(t);
    i = t.end;
  }
  if (!open.empty()) return {};
  // A group's alternation is known only once it closes: copied to its tokens here.
  for (Token& t : out)
    if (t.type == Token::Type::kOpen || t.type == Token::Type::kClose)
      t.plain_group = !groups[static_cast<size_t>(t.group)].alternation;
  return out;
}

// The bytes a class token matches (Vectorscan's reading, which these simple classes share with
// RE2's), or nullopt for a class with members not read here.
std::optional<std::bitset<256>> class_bytes(std::string_view cls, bool icase) {
  std::bitset<256> set;
  size_t i = 1, end = cls.size() - 1;  // inside [ ]
  bool negate = false;
  if (cls[i] == '^') {
    negate = true;
    ++i;
  }
  auto member = [&](size_t& j, int* value, std::bitset<256>* many) -> bool {
    char c = cls[j];
    if (c != '\\') {
      *value = static_cast<unsigned char>(c);
      ++j;
      return true;
    }
    char e = cls[j + 1];
    j += 2;
    *value = -1;
    switch (e) {
      case 'd':
        for (int b = '0'; b <= '9'; ++b) many->set(b);
        return true;
      case 'w':
        for (int b = 0; b < 256; ++b)
          if (PatternTail::is_word(static_cast<uint8_t>(b))) many->set(b);
        return true;
      case 'n': *value = '\n'; return true;
      case 'r': *value = '\r'; return true;
      case 't': *value = '\t'; return true;
      case 'f': *value = '\f'; return true;
      default:
        // An escaped punctuation byte is itself; \s, \v, \W, \D, \S and letters are not read here.
        if (std::isalnum(static_cast<unsigned char>(e))) return false;
        *value = static_cast<unsigned char>(e);
        return true;
    }
  };
  bool first = true;
  while (i < end) {
    int lo;
    std::bitset<256> many;
    if (!(first && cls[i] == ']') && cls[i] == ']') return std::nullopt;
    if (!member(i, &lo, &many)) return std::nullopt;
    first = false;
    if (lo < 0) {
      set |= many;
      continue;
    }
    if (i + 1 < end && cls[i] == '-') {  // a range; a - before ] is a member
      size_t j = i + 1;
      int hi;
      std::bitset<256> none;
      if (!member(j, &hi, &none) || hi < 0 || hi < lo) return std::nullopt;
      for (int b = lo; b <= hi; ++b) set.set(static_cast<size_t>(b));
      i = j;
      continue;
    }
    set.set(static_cast<size_t>(lo));
  }
  if (icase)
    for (int b = 'a'; b <= 'z'; ++b)
      if (set[static_cast<size_t>(b)] || set[static_cast<size_t>(b - 32)]) {
        set.set(static_cast<size_t>(b));
        set.set(static_cast<size_t>(b - 32));
      }
  if (negate) set.flip();
  return set;
}

// Whether every match of tokens [0, cut) consumes a byte: some byte-matching token there is in no
// alternation, under no quantifier that allows none of it. Vectorscan rejects a pattern that can
// match nothing, so a head that could would not compile where its whole pattern did.
bool must_consume(std::string_view p, const std::vector<Token>& tokens, size_t cut) {
  auto optional_at = [&](size_t i) {  // the token at i-1 is quantified with a minimum of 0
    if (i >= cut || tokens[i].type != Token::Type::kQuant) return false;
    uint32_t lo = 0, hi = 0;
    size_t end;
    bool bounded;
    return quantifier_at(p, tokens[i].begin, &end, &lo, &hi, &bounded) && lo == 0;
  };
  // Per group: its close's index, and whether it may match nothing as a whole.
  std::vector<size_t> close_of;
  std::vector<bool> optional_group;
  std::vector<size_t> stack;
  for (size_t i = 0; i < cut; ++i) {
    const Token& t = tokens[i];
    if (t.type == Token::Type::kOpen) {
      if (close_of.size() <= static_cast<size_t>(t.group)) {
        close_of.resize(static_cast<size_t>(t.group) + 1, SIZE_MAX);
        optional_group.resize(static_cast<size_t>(t.group) + 1, true);
      }
      stack.push_back(static_cast<size_t>(t.group));
    } else if (t.type == Token::Type::kClose) {
      optional_group[static_cast<size_t>(t.group)] = !t.plain_group || optional_at(i + 1);
      stack.pop_back();
    }
  }
  if (!stack.empty()) return false;  // a group the tail closes: not read here
  for (size_t i = 0; i < cut; ++i) {
    const Token& t = tokens[i];
    const std::string_view text = p.substr(t.begin, t.end - t.begin);
    const bool consumes =
        t.type == Token::Type::kChar || t.type == Token::Type::kClass ||
        (t.type == Token::Type::kEscape && text[0] == '\\' && std::string_view("bBAzZG").find(text[1]) == std::string_view::npos);
    if (!consumes || optional_at(i + 1) || t.depth != static_cast<int>(stack.size())) {
      if (t.type == Token::Type::kOpen) stack.push_back(static_cast<size_t>(t.group));
      if (t.type == Token::Type::kClose) stack.pop_back();
      continue;
    }
    bool mandatory = true;
    for (size_t g : stack) mandatory = mandatory && !optional_group[g];
    if (mandatory) return true;
  }
  return false;
}

}  // namespace

std::optional<SplitPattern> split_pattern_tail(std::string_view pattern) {
  const std::vector<Token> tokens = tokenize(pattern);
  if (tokens.empty()) return std::nullopt;
  for (const Token& t : tokens)
    if (t.type == Token::Type::kAlt && t.depth == 0) return std::nullopt;  // the tail is one branch's
  using T = Token::Type;
  SplitPattern out;
  size_t cut;  // tokens before it make the head, with the repeat rewritten below
  const size_t n = tokens.size();
  auto text = [&](const Token& t) { return pattern.substr(t.begin, t.end - t.begin); };
  if (tokens.back().type == T::kEscape && text(tokens.back()) == "\\b" && tokens.back().depth == 0) {
    out.tail.kind = PatternTail::Kind::kWordBoundary;
    cut = n - 1;
  } else if (n >= 5 && tokens[n - 5].type == T::kOpen && text(tokens[n - 5]) == "(?:" && tokens[n - 5].depth == 0 &&
             tokens[n - 4].type == T::kClass && text(tokens[n - 4]).substr(0, 2) == "[^" &&
             tokens[n - 3].type == T::kAlt && tokens[n - 2].type == T::kDollar && tokens[n - 1].type == T::kClose) {
    auto follow = class_bytes(text(tokens[n - 4]), tokens[n - 4].icase);
    if (!follow) return std::nullopt;
    out.tail.kind = PatternTail::Kind::kNotClassOrEnd;
    out.tail.follow = *follow;
    cut = n - 5;
  } else {
    return std::nullopt;
  }
  if (cut == 0 || !must_consume(pattern, tokens, cut)) return std::nullopt;
  // Groups closing right before the tail, then perhaps a bounded repeat of a class.
  size_t k = cut;
  while (k > 0 && tokens[k - 1].type == T::kClose && tokens[k - 1].plain_group) --k;
  if (k > 0 && tokens[k - 1].type == T::kClose) k = cut;  // a group with alternation: no repeat
  size_t repeat_begin = std::string::npos, repeat_end = 0;
  uint32_t lo = 0, hi = 0;
  if (k >= 2 && tokens[k - 1].type == T::kQuant && tokens[k - 2].type == T::kClass) {
    size_t qend;
    bool bounded;
    const Token& q = tokens[k - 1];
    if (quantifier_at(pattern, q.begin, &qend, &lo, &hi, &bounded) && bounded && lo >= 1 && hi > lo &&
        pattern[q.begin] == '{') {
      auto repeat = class_bytes(text(tokens[k - 2]), tokens[k - 2].icase);
      bool fits = repeat.has_value();
      if (fits && out.tail.kind == PatternTail::Kind::kWordBoundary)
        for (int b = 0; b < 256 && fits; ++b) fits = !(*repeat)[static_cast<size_t>(b)] || PatternTail::is_word(static_cast<uint8_t>(b));
      if (fits && out.tail.kind == PatternTail::Kind::kNotClassOrEnd)
        fits = (*repeat & out.tail.follow).none() && !(*repeat)['\n'];
      if (fits) {
        out.tail.extra = hi - lo;
        out.tail.repeat = *repeat;
        repeat_begin = q.begin;
        repeat_end = q.end;
      }
    }
  }
  const size_t head_end = tokens[cut - 1].end;
  if (repeat_begin == std::string::npos) {
    out.head = std::string(pattern.substr(0, head_end));
  } else {
    out.head = std::string(pattern.substr(0, repeat_begin)) + "{" + std::to_string(lo) + "}" +
               std::string(pattern.substr(repeat_end, head_end - repeat_end));
  }
  return out;
}

}  // namespace keysweep
