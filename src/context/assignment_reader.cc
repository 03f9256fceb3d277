#include "context/assignment_reader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>  // part of the x86-64 baseline
#endif

namespace keysweep::context {

const char* syntax_name(Syntax s) {
  switch (s) {
    case Syntax::kAssignment: return "assignment";
    case Syntax::kPairArgs: return "pair-args";
    case Syntax::kCall: return "call";
    case Syntax::kXml: return "xml";
    case Syntax::kCommandLine: return "command-line";
    case Syntax::kSql: return "sql";
    case Syntax::kSecureString: return "secure-string";
    case Syntax::kAuthHeader: return "auth-header";
    case Syntax::kUrl: return "url";
  }
  return "?";
}

namespace {

// '@' is not one: "user:pw@host:5432" must not make "pw@host" a name. A leading sigil (@ivar,
// $var) is skipped by name_before. A table, not std::isalnum: names are read back byte by byte
// from every operator of every line near a keyword, and the libc call was most of that walk.
// (ASCII letters and digits are what isalnum gives in the "C" locale the scanner runs in; bytes
// from 0x80 up are name bytes either way.)
constexpr std::array<bool, 256> kNameChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == '$' || c >= 0x80;
  return t;
}();
bool is_name_char(char c) { return kNameChar[static_cast<unsigned char>(c)]; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
bool is_type_word(std::string_view w) {
  // Most names are none of these, and their first byte or length says so: every name is read
  // against this list, and comparing against all of it was a fifth of name_before.
  if (w.size() < 3 || w.size() > 14) return false;
  switch (w[0]) {
    case 's': case 'S': case 'b': case '[': case 'c': case 'C': case 'v': case 'l': case '&':
    case 'N': case 't': case 'O':
      break;
    default:
      return false;
  }
  for (std::string_view t : {"string", "String", "str", "byte", "[]byte", "char", "var", "val", "let",
                             "const", "CharSequence", "SecureString", "Str", "&str", "&'static", "NSString",
                             "NSString*", "text", "varchar", "Option<String>", "string?", "String?"})
    if (w == t) return true;
  return false;
}
bool istarts(std::string_view s, std::string_view p) { return s.size() >= p.size() && ieq(s.substr(0, p.size()), p); }

// Every search below looks at most this far from where it starts, so one line costs time linear in
// its length however hostile it is (a 100 MB minified line of quotes, colons and "://").
constexpr size_t kNearby = 256;
constexpr size_t kMaxName = 128;

// The value offsets a line has emitted, each with its index in the output: a value is claimed
// once. A line holds one or two assignments, so they are looked up in a short list that
// read_assignments reuses from line to line (a hash map's node per value was an allocation per
// line); a line with many (a minified JSON object) moves to a hash map, so it stays linear.
class ClaimedValues {
 public:
  void clear() {
    few_.clear();
    if (!many_.empty()) many_.clear();
  }
  // The index recorded for `offset`, and whether it was recorded just now (as `index`).
  std::pair<size_t, bool> claim(uint32_t offset, size_t index) {
    if (many_.empty()) {
      for (const auto& [o, i] : few_)
        if (o == offset) return {i, false};
      if (few_.size() < kFew) {
        few_.emplace_back(offset, index);
        return {index, true};
      }
      for (const auto& [o, i] : few_) many_.emplace(o, i);
    }
    auto [it, fresh] = many_.emplace(offset, index);
    return {it->second, fresh};
  }

 private:
  static constexpr size_t kFew = 16;
  std::vector<std::pair<uint32_t, size_t>> few_;
  std::unordered_map<uint32_t, size_t> many_;
};

// The sixteen-byte form of a byte search (LineReader::first_byte): a lambda marking, in a byte
// mask, the bytes of `v` the search wants. Without SSE2 there is none and the byte test does it all.
#if defined(__SSE2__)
#define BLOCK_TEST(expr) [&](__m128i v) { return expr; }
#else
#define BLOCK_TEST(expr) 0
#endif

// One line, with offsets relative to the text handed to read_assignments.
class LineReader {
 public:
  LineReader(std::string_view line, uint32_t base, std::vector<Assignment>& out, NameFilter filter,
             ClaimedValues& claimed)
      : s_(line), base_(base), out_(out), filter_(filter), claimed_(claimed) {
    claimed_.clear();
  }

  // The syntaxes that say more come first: a value they claim is not claimed again by the plain
  // `name: value` reading (in "curl -u admin:pw", admin is not the name of pw).
  void run() {
    dockerfile_env();
    command_lines();
    auth_schemes();
    url_credentials();
    for (size_t i = next_operator(0); i < s_.size(); i = next_operator(i + 1)) {
      char c = s_[i];
      if (c == '=' || c == ':') operator_at(i);
      else if (c == ',') pair_args_at(i);
      else xml_text_at(i);  // '>'
    }
  }

 private:
  std::string_view s_;
  uint32_t base_;
  std::vector<Assignment>& out_;
  NameFilter filter_;
  int comment_ = -1;
  bool wanted(std::string_view name) const { return !filter_ || filter_(name); }  // in_comment(), computed on first use
  ClaimedValues& claimed_;  // value offsets already emitted on this line

  // The first byte in [pos, end) that `byte` accepts, or `end`. Sixteen bytes at a time where
  // SSE2 is there (the x86-64 baseline): `block` marks in a byte mask which of sixteen bytes
  // `byte` would accept. The searches below run over every line read near a keyword, and most of
  // a line's bytes are none of the ones they look for.
  template <class Block, class Byte>
  size_t first_byte(size_t pos, size_t end, [[maybe_unused]] Block block, Byte byte) const {
    const char* p = s_.data();
#if defined(__SSE2__)
    for (; pos + 16 <= end; pos += 16) {
      const __m128i hit = block(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + pos)));
      if (const int mask = _mm_movemask_epi8(hit); mask != 0) return pos + std::countr_zero(static_cast<unsigned>(mask));
    }
#endif
    for (; pos < end; ++pos)
      if (byte(p[pos])) return pos;
    return end;
  }
#if defined(__SSE2__)
  static __m128i equals(__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); }
  static __m128i lowered(__m128i v) { return _mm_or_si128(v, _mm_set1_epi8(0x20)); }
#endif

  // The first `a` or `b` in [pos, end), or `end`.
  size_t find_either(size_t pos, size_t end, char a, char b) const {
    return first_byte(pos, end, BLOCK_TEST(_mm_or_si128(equals(v, a), equals(v, b))),
                      [=](char c) { return c == a || c == b; });
  }

  // The first byte in [pos, end) that is '-' or, in either case, 'i', 'p' or 'c' (where a flag,
  // IDENTIFIED BY, PASSWORD or ConvertTo-SecureString may start), or `end`.
  size_t next_form_start(size_t pos, size_t end) const {
    return first_byte(
        pos, end,
        BLOCK_TEST(_mm_or_si128(_mm_or_si128(equals(v, '-'), equals(lowered(v), 'i')),
                                _mm_or_si128(equals(lowered(v), 'p'), equals(lowered(v), 'c')))),
        [](char c) {
          const char first = static_cast<char>(c | 0x20);
          return c == '-' || first == 'i' || first == 'p' || first == 'c';
        });
  }

  // The first '=', ':', ',' or '>' at or after `pos` (s_.size() when none): the bytes run() acts on.
  size_t next_operator(size_t pos) const {
    return first_byte(pos, s_.size(),
                      BLOCK_TEST(_mm_or_si128(_mm_or_si128(equals(v, '='), equals(v, ':')),
                                              _mm_or_si128(equals(v, ','), equals(v, '>')))),
                      [](char c) { return c == '=' || c == ':' || c == ',' || c == '>'; });
  }

  // s_.find / s_.rfind, looking no further than `reach` bytes from `pos`.
  size_t find_near(std::string_view what, size_t pos, size_t reach = kNearby) const {
    if (pos >= s_.size()) return std::string_view::npos;
    size_t r = s_.substr(pos, reach + what.size()).find(what);
    return r == std::string_view::npos ? r : pos + r;
  }
  size_t rfind_near(char c, size_t pos, size_t reach = kNearby) const {
    size_t lo = pos > reach ? pos - reach : 0;
    for (size_t k = std::min(pos + 1, s_.size()); k > lo; --k)
      if (s_[k - 1] == c) return k - 1;
    return std::string_view::npos;
  }

  void emit(std::string_view name, size_t vstart, size_t vlen, Syntax syn, Quote q,
            Implied implied = Implied::kNone, std::string_view wrapper = {}) {
    vlen = std::min(vlen, kMaxValue);
    if (vlen == 0) return;
    std::string_view value = s_.substr(vstart, vlen);
    Assignment a;
    a.name = name;
    a.syntax = syn;
    a.quote = q;
    a.implied = implied;
    a.wrapper = wrapper;
    // "Authorization: Bearer x": the scheme word is not part of the credential.
    static constexpr std::string_view kSchemes[] = {"Bearer ", "Basic ", "Token ", "token ",
                                                    "bearer ", "basic ", "ApiKey ", "Digest "};
    // Each starts with one of B b T t A D: the first byte rules most values out of all eight.
    const char first = value.empty() ? 0 : value.front();
    const bool may_have_scheme = first == 'B' || first == 'b' || first == 'T' || first == 't' ||
                                 first == 'A' || first == 'D';
    for (auto sch : kSchemes)
      if (may_have_scheme && value.size() > sch.size() && value.starts_with(sch)) {
        a.scheme = value.substr(0, sch.size() - 1);
        value.remove_prefix(sch.size());
        vstart += sch.size();
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1), ++vstart;
        break;
      }
    if (value.empty()) return;
    a.value = value;
    a.in_comment = in_comment();
    a.value_offset = base_ + static_cast<uint32_t>(vstart);
    // The same value reached through two syntaxes (an attribute that is also a pair) once.
    if (!claimed_.claim(a.value_offset, out_.size()).second) return;
    out_.push_back(a);
  }

  // A quoted literal starting at s_[i] (the opening quote, or \" or &quot;): returns the content's
  // start and length, or npos when there is no literal or no closing quote on the line.
  struct Literal {
    size_t start = std::string_view::npos, len = 0, end = 0;  // end: one past the closing quote
    Quote quote = Quote::kNone;
  };
  Literal literal_at(size_t i) const {
    Literal lit;
    if (i >= s_.size()) return lit;
    if (s_.compare(i, 6, "&quot;") == 0) {
      size_t close = find_near("&quot;", i + 6, kMaxValue);
      if (close == std::string_view::npos) return lit;
      return {i + 6, close - i - 6, close + 6, Quote::kEntity};
    }
    if (s_[i] == '\\' && i + 1 < s_.size() && s_[i + 1] == '"') {
      size_t close = find_near("\\\"", i + 2, kMaxValue);
      if (close == std::string_view::npos) return lit;
      return {i + 2, close - i - 2, close + 2, Quote::kEscapedDouble};
    }
    char q = s_[i];
    if (q != '"' && q != '\'' && q != '`') return lit;
    // The closing quote within kMaxValue + 1 bytes, a backslash escaping the byte after it.
    const size_t limit = std::min(s_.size(), i + kMaxValue + 2);
    for (size_t j = find_either(i + 1, limit, '\\', q); j < limit; j = find_either(j, limit, '\\', q)) {
      if (s_[j] == '\\') {
        j += 2;
        continue;
      }
      return {i + 1, j - i - 1, j + 1,
              q == '"' ? Quote::kDouble : q == '\'' ? Quote::kSingle : Quote::kBacktick};
    }
    return lit;
  }

  // The name that ends just before `end` (exclusive), skipping closing quotes/brackets and spaces.
  // Returns an empty view when there is none.
  std::string_view name_before(size_t end, bool* quoted = nullptr) const {
    size_t j = end;
    while (j > 0 && is_space(s_[j - 1])) --j;
    bool q = false;
    while (j > 0 && (s_[j - 1] == '"' || s_[j - 1] == '\'' || s_[j - 1] == ']' || s_[j - 1] == '\\' ||
                     s_[j - 1] == '`')) {
      q = q || s_[j - 1] != ']';
      --j;
    }
    if (j >= 6 && s_.compare(j - 6, 6, "&quot;") == 0) j -= 6, q = true;
    size_t e = j;
    while (j > 0 && is_name_char(s_[j - 1]) && e - j < kMaxName) --j;
    // A quoted name may hold spaces ("Api Key": x); read back to its opening quote.
    if (q && j > 0 && s_[j - 1] == ' ') {
      size_t k = j;
      while (k > 0 && (is_name_char(s_[k - 1]) || s_[k - 1] == ' ') && e - k < 48) --k;
      if (k > 0 && (s_[k - 1] == '"' || s_[k - 1] == '\'')) j = k;
    }
    if (quoted) *quoted = q;
    std::string_view name = s_.substr(j, e - j);
    // A type between the name and the operator: Go's `Password string = "x"`, Kotlin's
    // `val password: String = "x"`, TypeScript's `password: string = "x"`.
    if (!q && is_type_word(name) && j > 0) {
      size_t k = j;
      while (k > 0 && (is_space(s_[k - 1]) || s_[k - 1] == ':' || s_[k - 1] == ']' || s_[k - 1] == '[')) --k;
      if (k < j) {
        std::string_view before = name_before(k, nullptr);
        if (!before.empty() && !is_type_word(before)) return before;
      }
    }
    while (!name.empty() && (name.front() == '-' || name.front() == '$' || name.front() == '@' ||
                             name.front() == '.'))
      name.remove_prefix(1);
    return name;
  }

  // Parses the value that starts at or after `i` (spaces skipped) and emits it under `name`.
  void value_after(std::string_view name, size_t i, Syntax syn, Implied implied = Implied::kNone) {
    while (i < s_.size() && is_space(s_[i])) ++i;
    if (i >= s_.size()) return;
    // String prefixes: r"", b'', u"", f"", @"", L"", $"".
    if (i + 1 < s_.size() && std::strchr("rbufRBUF@L$", s_[i]) && (s_[i + 1] == '"' || s_[i + 1] == '\''))
      ++i;
    if (Literal lit = literal_at(i); lit.start != std::string_view::npos) {
      if (lit.quote == Quote::kBacktick && s_.substr(lit.start, lit.len).find("${") != std::string_view::npos)
        return;  // a template literal is an expression
      // "part one" + "part two": only a piece of the value; the decode pass joins the pieces
      // (decode/literal_chains.cc) and the whole is scanned there.
      size_t next = lit.end;
      while (next < s_.size() && is_space(s_[next])) ++next;
      if (next < s_.size() && s_[next] == '+' && (next + 1 >= s_.size() || s_[next + 1] != '+')) return;
      emit(name, lit.start, lit.len, syn, lit.quote, implied);
      return;
    }
    // A call around a literal: Guid("x"), []byte("x"), new String("x"), os.getenv("X").
    size_t j = i;
    if (s_.compare(j, 4, "new ") == 0) j += 4;
    if (s_.compare(j, 2, "[]") == 0) j += 2;
    size_t callee = j;
    while (j < s_.size() && (is_name_char(s_[j]) || s_[j] == ':')) ++j;
    if (j > callee && j < s_.size() && s_[j] == '(' && j - callee <= 48) {
      Literal lit = literal_at(j + 1);
      if (lit.start != std::string_view::npos && lit.end < s_.size() + 1) {
        emit(name, lit.start, lit.len, Syntax::kCall, lit.quote, implied, s_.substr(callee, j - callee));
      }
      return;
    }
    // Unquoted: YAML, .env, properties, INI, command lines, query strings; and in code a
    // variable or expression, which the scorer tells apart by shape.
    size_t v = i;
    while (v < s_.size() && !is_space(s_[v]) && !std::strchr(",;)}]&\"'<>", s_[v])) ++v;
    // os.environ["X"], config.get("X"): an unquoted value that is indexed or called is an
    // expression, whatever the quotes after it hold.
    if (v > i && (s_[v - 1] == '[' || s_[v - 1] == '(')) return;
    // A YAML/INI value may end in a comment: "secret # note".
    emit(name, i, v - i, syn, Quote::kNone, implied);
  }

  void operator_at(size_t i) {
    char c = s_[i];
    size_t after = i + 1;
    size_t name_end = i;
    if (c == '=') {
      if (after < s_.size() && s_[after] == '=') return;  // == ===
      if (after < s_.size() && s_[after] == '>') ++after;  // =>
      else if (i > 0 && std::strchr("!<>=", s_[i - 1])) return;  // != <= >= ==
      else if (i > 0 && std::strchr(":?+.|", s_[i - 1])) {
        name_end = i - 1;  // := ?= += .= ||=
        if (s_[i - 1] == '|' && i > 1 && s_[i - 2] == '|') name_end = i - 2;
        // GNU make's ::= and :::=
        while (s_[i - 1] == ':' && name_end > 0 && s_[name_end - 1] == ':' && i - name_end < 3)
          --name_end;
      }
    } else {  // ':'
      if (after < s_.size() && (s_[after] == ':' || s_[after] == '=')) return;  // :: and := (seen at '=')
      if (i > 0 && s_[i - 1] == ':') return;
      if (after + 1 < s_.size() && s_[after] == '/' && s_[after + 1] == '/') return;  // scheme://
    }
    bool quoted = false;
    std::string_view name = name_before(name_end, &quoted);
    if (name.empty()) {
      // Ruby's :password => 'x' and a bare "=> 'x'" have the name before a ':' sigil.
      return;
    }
    if (name.front() == ':') name.remove_prefix(1);
    // "Password: x" and "secretsmanager:GetSecretValue" inside a string are a label and a
    // prefixed name: an unquoted name right after an opening quote is text, not a key.
    if (c == ':' && !quoted && name.data() > s_.data() && (name.data()[-1] == '"' || name.data()[-1] == '\'') &&
        !is_header_string(name))
      return;
    // <add key="Password" value="x"/>, <Setting Name="ApiKey" Value="x"/>: the value attribute
    // belongs to the name given by the element's key/name attribute.
    if (c == '=' && (ieq(name, "value") || ieq(name, "content"))) {
      size_t lt = rfind_near('<', i);
      size_t gt = lt == std::string_view::npos ? lt : find_near(">", lt, i - lt);
      if (lt != std::string_view::npos && (gt == std::string_view::npos || gt > i)) {
        std::string_view tag = s_.substr(lt, i - lt);
        for (std::string_view attr : {"key=", "name=", "Key=", "Name=", "id="}) {
          size_t a = tag.find(attr);
          if (a == std::string_view::npos || (a > 0 && is_name_char(tag[a - 1]))) continue;
          Literal lit = literal_at(lt + a + attr.size());
          if (lit.start != std::string_view::npos) {
            name = s_.substr(lit.start, lit.len);
            break;
          }
        }
      }
    }
    if (!wanted(name)) return;
    value_after(name, after, Syntax::kAssignment);
  }

  // "X-Auth-Token: v" in a string is an HTTP header, not a label: its name is a custom header
  // (X-…) or the string is curl's/wget's/httpie's header argument (-H "…", --header "…").
  bool is_header_string(std::string_view name) const {
    if (name.size() > 2 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-') return true;
    size_t q = static_cast<size_t>(name.data() - s_.data()) - 1;  // the opening quote
    size_t e = q;
    while (e > 0 && is_space(s_[e - 1])) --e;
    size_t b = e;
    while (b > 0 && !is_space(s_[b - 1])) --b;
    std::string_view flag = s_.substr(b, e - b);
    return e < q && (flag == "-H" || flag == "--header" || flag == "--headers");
  }

  // "name", "value" as in put("api_key", "x") or setHeader("Authorization", "Bearer x"). Both
  // must be quoted literals on this line.
  void pair_args_at(size_t i) {
    if (i == 0 || (s_[i - 1] != '"' && s_[i - 1] != '\'' && !is_space(s_[i - 1]))) return;
    size_t j = i;
    while (j > 0 && is_space(s_[j - 1])) --j;
    if (j < 3 || (s_[j - 1] != '"' && s_[j - 1] != '\'')) return;
    char q = s_[j - 1];
    size_t open = rfind_near(q, j - 2, 64);
    if (open == std::string_view::npos || open + 2 >= j || j - open > 64) return;
    // A call or a braced pair: put("name", "value"), {"name", "value"}; not a list of strings.
    size_t before = open;
    while (before > 0 && is_space(s_[before - 1])) --before;
    if (before == 0 || (s_[before - 1] != '(' && s_[before - 1] != '{')) return;
    std::string_view name = s_.substr(open + 1, j - 2 - open);
    if (name.find_first_of(" \t,") != std::string_view::npos) return;
    size_t k = i + 1;
    while (k < s_.size() && is_space(s_[k])) ++k;
    Literal lit = literal_at(k);
    if (lit.start == std::string_view::npos) return;
    // The value must close the argument list or the pair: `)`, `,`, `]` or `}` (a list of many
    // strings is not a name and its value).
    size_t e = lit.end;
    while (e < s_.size() && is_space(s_[e])) ++e;
    if (e >= s_.size() || (s_[e] != ')' && s_[e] != '}')) return;
    if (!wanted(name)) return;
    emit(name, lit.start, lit.len, Syntax::kPairArgs, lit.quote);
  }

  // <password>x</password>, <string name="api_key">x</string>, <entry key="token">x</entry>.
  void xml_text_at(size_t i) {
    if (i == 0 || i + 1 >= s_.size() || std::strchr("/-=", s_[i - 1])) return;
    size_t lt = rfind_near('<', i);
    if (lt == std::string_view::npos) return;
    size_t close = find_near("</", i + 1, kMaxValue);
    if (close == std::string_view::npos || close == i + 1) return;
    std::string_view text = s_.substr(i + 1, close - i - 1);
    if (text.find('<') != std::string_view::npos) return;
    std::string_view tag = s_.substr(lt + 1, i - lt - 1);
    size_t tag_end = 0;
    while (tag_end < tag.size() && (is_name_char(tag[tag_end]) || tag[tag_end] == ':')) ++tag_end;
    std::string_view name = tag.substr(0, tag_end);
    if (name.empty()) return;
    for (std::string_view attr : {" name=", " key=", " Name=", " Key="}) {
      size_t a = tag.find(attr);
      if (a == std::string_view::npos) continue;
      Literal lit = literal_at(lt + 1 + a + attr.size());
      if (lit.start != std::string_view::npos) {
        name = s_.substr(lit.start, lit.len);
        break;
      }
    }
    size_t vs = i + 1, ve = close;
    while (vs < ve && is_space(s_[vs])) ++vs;
    while (ve > vs && is_space(s_[ve - 1])) --ve;
    if (ve - vs >= 2 && s_[vs] == '"' && s_[ve - 1] == '"') ++vs, --ve;  // <string>"x"</string>
    if (!wanted(name)) return;
    emit(name, vs, ve - vs, Syntax::kXml, Quote::kNone);
  }

  // Dockerfile's older form, `ENV NAME value` (the `ENV NAME=value` form is an assignment).
  void dockerfile_env() {
    size_t i = 0;
    while (i < s_.size() && is_space(s_[i])) ++i;
    if (s_.compare(i, 4, "ENV ") != 0) return;
    size_t n = i + 4;
    while (n < s_.size() && is_space(s_[n])) ++n;
    size_t e = n;
    while (e < s_.size() && e - n < kMaxName && is_name_char(s_[e])) ++e;
    if (e == n || e >= s_.size() || s_[e] != ' ') return;
    std::string_view name = s_.substr(n, e - n);
    if (wanted(name)) value_after(name, e, Syntax::kAssignment);
  }

  // Flags, SQL and PowerShell: the syntax names a password although no variable does.
  void command_lines() {
    // Flags (and ConvertTo-SecureString) hold a '-'; the other forms are SQL. Most lines read
    // near a keyword are neither, and one memchr says so.
    if (s_.find('-') == std::string_view::npos && !sql_like()) return;
    // Every form starts with '-' or a letter of identified/password/convertto: only those bytes
    // are looked at before the string comparisons.
    const size_t starts_end = s_.size() >= 2 ? s_.size() - 2 : 0;
    for (size_t i = next_form_start(0, starts_end); i < starts_end; i = next_form_start(i + 1, starts_end)) {
      bool boundary = i == 0 || is_space(s_[i - 1]) || s_[i - 1] == '"' || s_[i - 1] == '\'';
      if (!boundary) continue;
      std::string_view rest = s_.substr(i);
      if (rest.starts_with("--")) {
        // --password value (the '=' form is an ordinary assignment).
        size_t n = 2;
        while (n < rest.size() && (is_name_char(rest[n]) && rest[n] != '.')) ++n;
        if (n < rest.size() && rest[n] == ' ' && n + 1 < rest.size() && rest[n + 1] != '-' &&
            wanted(rest.substr(2, n - 2)))
          value_after(rest.substr(2, n - 2), i + n + 1, Syntax::kCommandLine);
      } else if (rest.starts_with("-p") && rest.size() > 2 && !is_space(rest[2]) && rest[2] != '-' &&
                 mysql_like()) {
        value_after("-p", i + 2, Syntax::kCommandLine, Implied::kPassword);
      } else if ((rest.starts_with("-u ") || rest.starts_with("--user ")) && curl_like()) {
        size_t v = i + (rest[1] == 'u' ? 3 : 7);
        while (v < s_.size() && is_space(s_[v])) ++v;
        bool q = v < s_.size() && (s_[v] == '"' || s_[v] == '\'');
        size_t start = v + (q ? 1 : 0), e = start;
        while (e < s_.size() && e - start < kNearby && !is_space(s_[e]) && s_[e] != '"' && s_[e] != '\'') ++e;
        std::string_view cred = s_.substr(start, e - start);
        size_t colon = cred.find(':');
        if (colon != std::string_view::npos && colon + 1 < cred.size())
          emit("curl -u", start + colon + 1, cred.size() - colon - 1, Syntax::kCommandLine,
               q ? Quote::kSingle : Quote::kNone, Implied::kPassword);
      } else if ((istarts(rest, "identified by ") || istarts(rest, "password ")) && sql_like()) {
        size_t v = i + (istarts(rest, "identified by ") ? 14 : 9);
        Literal lit = literal_at(v);
        if (lit.start != std::string_view::npos)
          emit("identified by", lit.start, lit.len, Syntax::kSql, lit.quote, Implied::kPassword);
      } else if (istarts(rest, "convertto-securestring ")) {
        size_t v = i + 23;
        if (istarts(s_.substr(v), "-string ")) v += 8;
        Literal lit = literal_at(v);
        if (lit.start != std::string_view::npos && find_near("-AsPlainText", lit.end) != std::string_view::npos)
          emit("ConvertTo-SecureString", lit.start, lit.len, Syntax::kSecureString, lit.quote,
               Implied::kPassword);
      }
    }
  }

  bool in_comment() {
    if (comment_ < 0) comment_ = starts_as_comment() ? 1 : 0;
    return comment_ == 1;
  }
  bool starts_as_comment() const {
    size_t i = 0;
    while (i < s_.size() && is_space(s_[i])) ++i;
    std::string_view rest = s_.substr(i);
    return rest.starts_with("//") || rest.starts_with("#") || rest.starts_with("*") ||
           rest.starts_with("/*") || rest.starts_with("--") || rest.starts_with("<!--") ||
           rest.starts_with(";") || rest.starts_with("%") || rest.starts_with("REM ");
  }

  // CREATE USER ... IDENTIFIED BY, ALTER ROLE ... PASSWORD: only where the line is SQL.
  // Whether the line holds "create ", "alter " or "grant " (lower, upper or capitalised; "Grant "
  // is not one). Each word ends in a space after an e, r or t: one pass looks at the bytes before
  // each space, where eight substring searches read the line eight times (most lines near a
  // keyword have no '-', and this is asked of each of them).
  bool sql_like() {
    if (sql_ < 0) {
      sql_ = 0;
      const char* p = s_.data();
      for (size_t k = 5; k < s_.size() && sql_ == 0; ++k) {
        if (p[k] != ' ') continue;
        const char before = static_cast<char>(p[k - 1] | 0x20);
        if (before == 'e' && k >= 6) {
          std::string_view w(p + k - 6, 6);
          sql_ = w == "create" || w == "CREATE" || w == "Create";
        } else if (before == 'r' || before == 't') {
          std::string_view w(p + k - 5, 5);
          sql_ = w == "alter" || w == "grant" || w == "ALTER" || w == "GRANT" || w == "Alter";
        }
      }
    }
    return sql_ == 1;
  }

  bool contains_word(std::string_view w) const {
    for (size_t p = s_.find(w); p != std::string_view::npos; p = s_.find(w, p + 1))
      if ((p == 0 || !is_name_char(s_[p - 1])) &&
          (p + w.size() >= s_.size() || !is_name_char(s_[p + w.size()])))
        return true;
    return false;
  }
  // Each is a scan of the whole line, so each is answered once per line.
  int mysql_ = -1, curl_ = -1, sql_ = -1;
  bool mysql_like() {
    if (mysql_ < 0)
      mysql_ = contains_word("mysql") || contains_word("mysqladmin") || contains_word("mysqldump") ||
               contains_word("mariadb");
    return mysql_ == 1;
  }
  bool curl_like() {
    if (curl_ < 0) curl_ = contains_word("curl") || contains_word("http") || contains_word("wget");
    return curl_ == 1;
  }

  // "Bearer x" and "Basic x" wherever they stand (a header line, a string in a test).
  void auth_schemes() {
    for (std::string_view sch : {"Bearer ", "Basic ", "bearer "}) {
      for (size_t p = s_.find(sch); p != std::string_view::npos; p = s_.find(sch, p + 1)) {
        if (p > 0 && is_name_char(s_[p - 1])) continue;
        size_t v = p + sch.size();
        while (v < s_.size() && s_[v] == ' ') ++v;
        size_t e = v;
        while (e < s_.size() && e - v < kMaxValue &&
               (std::isalnum(static_cast<unsigned char>(s_[e])) || std::strchr("-._~+/=", s_[e])))
          ++e;
        if (e - v < 8) continue;
        // A token, not a word of prose ("Basic arithmetic", "Bearer authentication"): it has a
        // digit or base64 padding, or is long and mixes cases.
        std::string_view tok = s_.substr(v, e - v);
        bool digit = tok.find_first_of("0123456789=") != std::string_view::npos;
        bool mixed = tok.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos &&
                     tok.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos;
        if (!digit && !(mixed && tok.size() >= 16)) continue;
        Assignment a;
        a.name = "Authorization";
        a.value = s_.substr(v, std::min(e - v, kMaxValue));
        a.value_offset = base_ + static_cast<uint32_t>(v);
        a.syntax = Syntax::kAuthHeader;
        a.scheme = s_.substr(p, sch.size() - 1);
        a.implied = Implied::kToken;
        auto [index, fresh] = claimed_.claim(a.value_offset, out_.size());
        if (fresh) {
          out_.push_back(a);
        } else {
          Assignment& o = out_[index];
          o.syntax = Syntax::kAuthHeader, o.scheme = a.scheme, o.implied = Implied::kToken;
        }
      }
    }
  }

  // scheme://user:password@host
  void url_credentials() {
    for (size_t p = s_.find("://"); p != std::string_view::npos; p = s_.find("://", p + 3)) {
      size_t u = p + 3, e = u;
      while (e < s_.size() && e - u < kNearby && !is_space(s_[e]) && !std::strchr("/\"'<>@`", s_[e])) ++e;
      if (e >= s_.size() || s_[e] != '@') continue;
      std::string_view userinfo = s_.substr(u, e - u);
      size_t colon = userinfo.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 >= userinfo.size()) continue;
      size_t s0 = p;
      while (s0 > 0 && p - s0 < 16 && std::isalnum(static_cast<unsigned char>(s_[s0 - 1]))) --s0;
      emit(s_.substr(s0, p - s0), u + colon + 1, userinfo.size() - colon - 1, Syntax::kUrl,
           Quote::kNone, Implied::kPassword);
    }
  }
};

#undef BLOCK_TEST

}  // namespace

namespace {

// The lines of a text, one at a time, without their line ends ('\r' included).
class Lines {
 public:
  explicit Lines(std::string_view text, size_t from) : text_(text), pos_(from) {}
  // The next line and its offset in the text; false at the end.
  bool next(std::string_view& line, size_t& at) {
    if (pos_ >= text_.size()) return false;
    const void* nl = std::memchr(text_.data() + pos_, '\n', text_.size() - pos_);
    size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text_.data()) : text_.size();
    at = pos_;
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_;
};

size_t indent_of(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// `key: |`, `key: >-`, `- key: |2`: the key of a YAML block scalar (the indicators after | or > are
// at most two bytes), or empty.
std::string_view yaml_block_key(std::string_view body) {
  size_t bar = body.find_last_of("|>");
  if (bar == std::string_view::npos || body.size() - bar > 3 || bar < 2) return {};
  if (body.substr(bar + 1).find_first_not_of("+-123456789") != std::string_view::npos) return {};
  size_t colon = bar;
  while (colon > 0 && is_space(body[colon - 1])) --colon;
  if (colon == bar || colon == 0 || body[colon - 1] != ':') return {};
  std::string_view key = trim_spaces(body.substr(0, colon - 1));
  if (key.starts_with("- ")) key = trim_spaces(key.substr(2));  // a key in a list item
  if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front())
    key = key.substr(1, key.size() - 2);
  if (key.size() > kMaxName) return {};
  for (char c : key)
    if (!is_name_char(c)) return {};
  return key;
}

// Where a format puts a value on the lines after its name, the one line that holds it:
//   name: |          a YAML block scalar (| or >, with a chomping or indentation indicator)
//     value
//   <name>           an XML element whose text is on lines of its own
//     value
//   </name>
// The line-at-a-time reading cannot pair these. Only a value of one line is taken: a block of
// several is prose, a certificate or a key (read by the PEM rules), not a token.
void value_on_next_line(std::string_view text, std::string_view line, size_t next_at,
                        std::vector<Assignment>& out, NameFilter filter) {
  const std::string_view body = trim_spaces(line);
  if (body.size() < 3 || body.front() == '#') return;
  std::string_view name;
  Syntax syntax = Syntax::kAssignment;
  std::string_view closing_tag;  // XML: the name the element closes with
  if (std::string_view key = yaml_block_key(body); !key.empty()) {
    name = key;
  } else if (body.front() == '<' && body.back() == '>' && body[1] != '/' && body[1] != '!' &&
             body[1] != '?' && body[body.size() - 2] != '/' &&
             body.find('<', 1) == std::string_view::npos) {
    size_t e = 1;
    while (e < body.size() && (is_name_char(body[e]) || body[e] == ':')) ++e;
    if (e == 1 || e - 1 > kMaxName) return;
    closing_tag = body.substr(1, e - 1);
    name = closing_tag;
    // <string name="api_key">, <entry key="token">: the attribute names the value.
    for (std::string_view attr : {" name=\"", " key=\"", " Name=\"", " Key=\""}) {
      size_t a = body.find(attr);
      if (a == std::string_view::npos) continue;
      size_t start = a + attr.size(), close = body.find('"', start);
      if (close != std::string_view::npos && close > start)
        name = body.substr(start, close - start);
      break;
    }
    syntax = Syntax::kXml;
  } else {
    return;
  }
  if (filter && !filter(name)) return;

  Lines lines(text, next_at);
  std::string_view next;
  size_t at = 0;
  if (!lines.next(next, at)) return;
  std::string_view value = trim_spaces(next);
  size_t value_at = at + static_cast<size_t>(value.data() - next.data());
  if (value.empty()) return;
  if (syntax == Syntax::kAssignment) {
    // More indented than the key, and the block's only line.
    if (indent_of(next) <= indent_of(line)) return;
    std::string_view after;
    size_t after_at = 0;
    while (lines.next(after, after_at)) {
      if (trim_spaces(after).empty()) continue;
      if (indent_of(after) > indent_of(line)) return;  // a block of several lines
      break;
    }
  } else {
    // The text alone on its line and the element closed on the next (or at the end of this one).
    const std::string close = "</" + std::string(closing_tag);
    if (const size_t closed = value.find(close);
        value.ends_with(">") && closed != std::string_view::npos) {
      value = trim_spaces(value.substr(0, closed));
    } else {
      std::string_view after;
      size_t after_at = 0;
      if (!lines.next(after, after_at) || !trim_spaces(after).starts_with(close)) return;
    }
    if (value.empty() || value.find('<') != std::string_view::npos) return;
  }
  if (value.size() > kMaxValue) return;
  Assignment a;
  a.name = name;
  a.value = value;
  a.value_offset = static_cast<uint32_t>(value_at);
  a.syntax = syntax;
  out.push_back(a);
}

}  // namespace

bool is_delimited_table(std::string_view path) {
  const size_t bang = path.rfind('!');  // an entry of a container: its own path
  if (bang != std::string_view::npos) path.remove_prefix(bang + 1);
  if (path.size() < 4) return false;
  const std::string_view ext = path.substr(path.size() - 4);
  return ieq(ext, ".csv") || ieq(ext, ".tsv");
}

namespace {

// One field of a delimited line: its text (without the quotes of a quoted field), where that text
// starts in the whole text, and whether it was quoted.
struct TableField {
  std::string_view text;
  size_t at = 0;
  bool quoted = false;
};

// Splits `line` (at offset `line_at` of the text) on `delim`; "" inside a quoted field is a quote.
void split_delimited(std::string_view line, size_t line_at, char delim,
                     std::vector<TableField>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (start < line.size() && line[start] == ' ') ++start;
    TableField f;
    if (start < line.size() && line[start] == '"') {
      size_t j = start + 1;
      while (j < line.size() && !(line[j] == '"' && (j + 1 >= line.size() || line[j + 1] != '"')))
        j += line[j] == '"' ? 2 : 1;
      f = {line.substr(start + 1, std::min(j, line.size()) - start - 1), line_at + start + 1, true};
      i = line.find(delim, std::min(j, line.size()));
    } else {
      size_t end = line.find(delim, start);
      std::string_view t =
          line.substr(start, (end == std::string_view::npos ? line.size() : end) - start);
      while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
      f = {t, line_at + start, false};
      i = end;
    }
    out.push_back(f);
    if (i == std::string_view::npos) return;
    ++i;
  }
}

bool reads_as_column_name(std::string_view h) {
  if (h.empty() || h.size() > 64 || !std::isalpha(static_cast<unsigned char>(h.front())))
    return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr(" _-.()", c))) return false;
  return true;
}

}  // namespace

void read_table_columns(std::string_view text, std::vector<Assignment>& out,
                        NameFilter name_filter) {
  Lines lines(text, 0);
  std::string_view header;
  size_t at = 0;
  if (!lines.next(header, at)) return;
  if (header.starts_with("\xEF\xBB\xBF")) header.remove_prefix(3), at += 3;  // a UTF-8 BOM
  char delim = ',';
  size_t most = 0;
  for (char d : {',', ';', '\t'}) {
    const size_t n = static_cast<size_t>(std::count(header.begin(), header.end(), d));
    if (n > most) most = n, delim = d;
  }
  if (most == 0) return;
  std::vector<TableField> fields;
  split_delimited(header, at, delim, fields);
  std::vector<std::pair<size_t, std::string_view>> columns;  // index, name
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!reads_as_column_name(fields[i].text)) return;  // not a header row
    if (!name_filter || name_filter(fields[i].text)) columns.emplace_back(i, fields[i].text);
  }
  if (columns.empty()) return;
  std::string_view row;
  while (lines.next(row, at)) {
    if (row.find(delim) == std::string_view::npos) continue;
    split_delimited(row, at, delim, fields);
    for (const auto& [i, name] : columns) {
      if (i >= fields.size() || fields[i].text.empty() || fields[i].text.size() > kMaxValue)
        continue;
      Assignment a;
      a.name = name;
      a.value = fields[i].text;
      a.value_offset = static_cast<uint32_t>(fields[i].at);
      a.quote = fields[i].quoted ? Quote::kDouble : Quote::kNone;
      out.push_back(a);
    }
  }
}

bool may_open_next_line_value(std::string_view line) {
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  for (int indicators = 0;
       indicators < 2 && !line.empty() && std::strchr("-+123456789", line.back()); ++indicators)
    line.remove_suffix(1);
  return !line.empty() && (line.back() == '|' || line.back() == '>');
}

void read_assignments(std::string_view text, std::vector<Assignment>& out, NameFilter name_filter) {
  ClaimedValues claimed;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    const std::string_view line = text.substr(pos, end - pos);
    LineReader(line, static_cast<uint32_t>(pos), out, name_filter, claimed).run();
    if (nl && may_open_next_line_value(line))
      value_on_next_line(text, line, end + 1, out, name_filter);
    pos = end + 1;
  }
}

}  // namespace keysweep::context
