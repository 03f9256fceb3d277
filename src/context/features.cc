#include "context/features.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/secret.h"
#include "core/value_shape.h"
#include "decode/decoders.h"

namespace keysweep::context {

using namespace std::string_view_literals;

namespace {

constexpr std::string_view kFeatureNames[] = {
#define KEYSWEEP_FEATURE_NAME(id, name, text) name,
    KEYSWEEP_CONTEXT_FEATURES(KEYSWEEP_FEATURE_NAME)
#undef KEYSWEEP_FEATURE_NAME
};
constexpr std::string_view kFeatureTexts[] = {
#define KEYSWEEP_FEATURE_TEXT(id, name, text) text,
    KEYSWEEP_CONTEXT_FEATURES(KEYSWEEP_FEATURE_TEXT)
#undef KEYSWEEP_FEATURE_TEXT
};

// ASCII only, as <cctype> is in the "C" locale the scanner runs in (it never calls setlocale),
// without a library call per byte.
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) { return is_upper(c) || is_lower(c); }
bool is_alnum(char c) { return is_upper(c) || is_lower(c) || is_digit(c); }

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// A word the scorer searches values for, with the set of its ASCII bytes worked out at compile
// time: ruling it out of a value (AsciiSet below) is then two mask tests, not a loop over the word.
struct Needle {
  consteval Needle(const char* s) : text(s) {  // NOLINT(google-explicit-constructor): lists of literals
    for (char c : text) {
      const auto b = static_cast<unsigned char>(c);
      if (b < 128) bits[b >> 6] |= uint64_t{1} << (b & 63);
    }
  }
  std::string_view text;
  uint64_t bits[2] = {0, 0};  // non-ASCII bytes are not tracked
};

// The ASCII bytes a text holds. A needle with a byte the text lacks cannot be in it: a candidate's
// value is searched for some seventy words and template marks, and a translated UI string (most
// candidates of a resource table) holds almost none of their letters, so most searches end here.
class AsciiSet {
 public:
  AsciiSet() = default;
  explicit AsciiSet(std::string_view text) {
    for (char c : text) add(c);
  }
  void add(char c) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 128) bits_[b >> 6] |= uint64_t{1} << (b & 63);
  }
  // The set of the same text with A-Z lowercased ('A'..'Z' and 'a'..'z' are bits 1..26 and
  // 33..58 of the upper word).
  AsciiSet lowered() const {
    constexpr uint64_t kUpper = ((uint64_t{1} << 26) - 1) << 1;
    AsciiSet out = *this;
    out.bits_[1] = (bits_[1] & ~kUpper) | ((bits_[1] & kUpper) << 32);
    return out;
  }
  // False when `needle` has an ASCII byte the text lacks; true otherwise (a non-ASCII byte is
  // not tracked, so it never rules a needle out).
  bool may_contain(const Needle& needle) const {
    return ((needle.bits[0] & ~bits_[0]) | (needle.bits[1] & ~bits_[1])) == 0;
  }

 private:
  uint64_t bits_[2] = {0, 0};
};

bool contains(std::string_view hay, const AsciiSet& bytes, const Needle& needle) {
  return bytes.may_contain(needle) && contains(hay, needle.text);
}
std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Text of any length in a buffer on the stack when it is short (names and values mostly are): the
// scorer reads thousands of candidates in a resource table, and a heap string per word and per
// lowercased value was a third of its time.
class SmallText {
 public:
  SmallText() = default;
  SmallText(const SmallText&) = delete;
  SmallText& operator=(const SmallText&) = delete;
  void push_back(char c) {
    if (size_ < inline_.size()) inline_[size_++] = c;
    else spill().push_back(c);
  }
  size_t size() const { return heap_.empty() ? size_ : heap_.size(); }
  std::string_view view() const {
    return heap_.empty() ? std::string_view(inline_.data(), size_) : std::string_view(heap_);
  }

 private:
  std::string& spill() {
    if (heap_.empty()) heap_.assign(inline_.data(), size_);
    return heap_;
  }
  std::array<char, 256> inline_;
  size_t size_ = 0;
  std::string heap_;
};

// `s` lowercased into `out`.
void append_lower(std::string_view s, SmallText& out) {
  for (char c : s) out.push_back(lower(c));
}

// "spring.datasource.DB_PASSWORD" -> {spring, datasource, db, password}; "APIKey" -> {api, key};
// "userPassword2" -> {user, password, 2}. At most 12 words (a longer name is a sentence). The words
// are views into the lowercased name, which a word always is a piece of.
class NameWords {
 public:
  explicit NameWords(std::string_view name) {
    append_lower(name, lower_);
    const std::string_view low = lower_.view();
    size_t start = 0, len = 0;  // the word being read: low[start, start + len)
    auto flush = [&] {
      if (len > 0 && count_ < words_.size()) words_[count_++] = low.substr(start, len);
      len = 0;
    };
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (!is_alnum(c)) {
        flush();
        continue;
      }
      if (len > 0) {
        char p = name[i - 1];
        bool boundary = (is_lower(p) && is_upper(c)) ||
                        (is_upper(p) && is_upper(c) && i + 1 < name.size() && is_lower(name[i + 1])) ||
                        (is_digit(p) != is_digit(c) && !(is_digit(c) && len == 1));
        if (boundary) flush();
      }
      if (len == 0) start = i;
      ++len;
    }
    flush();
  }
  NameWords(const NameWords&) = delete;
  NameWords& operator=(const NameWords&) = delete;
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view operator[](size_t i) const { return words_[i]; }
  std::string_view back() const { return words_[count_ - 1]; }
  const std::string_view* begin() const { return words_.data(); }
  const std::string_view* end() const { return words_.data() + count_; }

 private:
  SmallText lower_;
  std::array<std::string_view, 12> words_;
  size_t count_ = 0;
};

bool is_password_word(std::string_view w) {
  return w == "pass" || w == "pw" || w == "pwd" || w == "pswd" || w == "passwd" || w == "pword" ||
         contains(w, "password") || contains(w, "passwd") || contains(w, "passphrase") ||
         contains(w, "passcode") || contains(w, "passwort") ||
         (w.size() <= 8 && w.size() > 3 && w.ends_with("pwd"));
}
bool is_secret_word(std::string_view w) {
  return contains(w, "secret") || contains(w, "token") || w == "salt" || w == "nonce" ||
         w == "seed" || w == "jwt" || w == "otp" || w == "totp" || w == "hmac" || w == "signature";
}
bool is_apikey_word(std::string_view w) {
  return contains(w, "apikey") || w == "accesskey" || w == "secretkey" || w == "privatekey" ||
         w == "authkey" || w == "masterkey" || w == "signingkey" || w == "encryptionkey" ||
         w == "appkey" || w == "licensekey" || w == "clientkey" || w == "consumerkey" ||
         w == "subscriptionkey" || w == "accountkey" || w == "sharedkey";
}
bool is_auth_word(std::string_view w) {
  return w == "auth" || w == "authorization" || w == "oauth" || w == "authn" || w == "basicauth" ||
         w == "credential" || w == "credentials" || w == "creds" || w == "cred" || w == "bearer" ||
         w == "authentication" || w == "cookie" || w == "session" || w == "sid";
}
bool is_key_word(std::string_view w) { return w == "key" || w == "keys"; }

// What one word of a name is, worked out once per word: the name tests below ask each question of
// every word, and a candidate's name is read by both classify_name and compute_features.
enum WordFlag : uint8_t {
  kWordPassword = 1,
  kWordSecret = 2,
  kWordApiKey = 4,
  kWordAuth = 8,
  kWordKey = 16,
};
uint8_t word_flags(std::string_view w) {
  return static_cast<uint8_t>((is_password_word(w) ? kWordPassword : 0) | (is_secret_word(w) ? kWordSecret : 0) |
                              (is_apikey_word(w) ? kWordApiKey : 0) | (is_auth_word(w) ? kWordAuth : 0) |
                              (is_key_word(w) ? kWordKey : 0));
}

// Words after the credential word that make the name about something else: its hint, its URL,
// its length, its type, the field that holds it.
bool is_describing_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "url", "uri", "endpoint", "path", "file", "filename", "dir", "directory", "name", "type",
      "length", "len", "size", "count", "field", "label", "hint", "title", "text", "message", "msg",
      "prompt", "placeholder", "error", "err", "regex", "pattern", "format", "policy", "mode",
      "header", "prefix", "suffix", "expiry", "expires", "expiration", "expire", "ttl", "timeout",
      "lifetime", "enabled", "enable", "required", "min", "max", "column", "param", "input",
      "button", "icon", "class", "style", "validator", "validation", "strength", "reset", "change",
      "changed", "ref", "reference", "store", "provider", "manager", "service", "handler", "helper",
      "factory", "id", "ids", "index", "idx", "used", "usage", "flag", "source", "location", "env",
      "var", "variable", "option", "options", "setting", "settings", "config", "method", "algorithm",
      "alg", "scheme", "scope", "scopes", "audience", "issuer", "request", "response", "generator",
      "hash", "hashed", "digest", "encrypted", "encoded", "version", "status", "state", "callback",
      "event", "view", "page", "dialog", "form", "screen", "visible", "visibility", "toggle", "show",
      "hide", "min", "characters", "chars", "rule", "rules", "entry", "table", "list", "map",
      "cache", "mapping", "question", "forgot", "forgotten", "confirmation", "sent", "ok", "valid",
      "invalid", "wrong", "incorrect", "mismatch", "empty", "missing", "for", "to", "from", "by",
      "of", "type", "kind", "data", "bytes", "endpoint", "host", "port", "server", "user",
      "username", "login", "account", "email", "duration", "interval", "time", "date", "age",
      "sha256", "sha1", "sha", "md5", "fingerprint", "checksum", "preview", "redacted",
      // UI strings (Android resources name them by what the screen does with the password)
      "save", "remember", "never", "notnow", "instructions", "touch", "expire", "expired",
      "recovery", "forgot", "strong", "weak", "show", "visible", "desc", "description", "summary",
      "title", "dialog", "warning", "notice", "tooltip", "caption", "heading", "accessibility"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}
// KEY_PASSWORD, JSON_KEY_RET_TRAFFIC_PASS, PREF_KEY_TOKEN, EXTRA_SECRET: an Android or Java
// constant named first for the kind of key it is (a preference, a bundle extra, a JSON member, a
// query parameter) holds the name the credential is stored or sent under, not the credential
// ("miflow" under a MIUI app's JSON_KEY_RET_TRAFFIC_PASS). Read from the name's last dotted part:
// a DEX field's name comes with its class's (com.example.Constants.KEY_PASSWORD). "key" leads a
// key store's or key pair's name too (KEY_STORE_PASSWORD is a password).
bool names_a_field(std::string_view name) {
  const size_t dot = name.rfind('.');
  const NameWords words(dot == std::string_view::npos ? name : name.substr(dot + 1));
  // A resource table's key starts with its type (_string_pref_key_password): a settings screen's
  // preference keys are string resources, whose values are the keys' names.
  const size_t at = words.size() > 2 && (words[0] == "string" || words[0] == "array") ? 1 : 0;
  if (words.size() < at + 2) return false;
  static constexpr std::string_view kPrefixes[] = {
      "json", "extra",  "extras", "pref",   "prefs", "preference", "param",     "params", "arg",
      "args", "bundle", "intent", "column", "field", "attr",       "attribute", "query"};
  const std::string_view first = words[at];
  bool prefix = std::find(std::begin(kPrefixes), std::end(kPrefixes), first) != std::end(kPrefixes);
  if (first == "key" || first == "keys") {
    const std::string_view next = words[at + 1];
    prefix = next != "store" && next != "chain" && next != "ring" && next != "pair";
  }
  if (!prefix) return false;
  // A credential word after the prefix; a bare "key" counts past the word after it (PARAM_API_KEY),
  // not as the prefix's own (JSON_KEY_NAME is the name of a JSON key).
  for (size_t i = at + 1; i < words.size(); ++i) {
    const uint8_t f = word_flags(words[i]);
    if ((f & (kWordPassword | kWordSecret | kWordApiKey | kWordAuth)) ||
        ((f & kWordKey) && i >= at + 2))
      return true;
  }
  return false;
}

bool is_identifier_word(std::string_view w) {
  return w == "id" || w == "ids" || w == "user" || w == "username" || w == "login" || w == "email" ||
         w == "name" || w == "account" || w == "uid" || w == "guid" || w == "public" || w == "pub" ||
         w == "keyid" || w == "recv" || w == "keyserver" || w == "gpg" || w == "pgp";  // key ids
}


bool is_uuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

// 0xff51afd7ed558ccdULL unquoted in code: a number (a hash constant, a mask), written in hex.
bool is_hex_integer_literal(std::string_view v) {
  if (v.size() < 3 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X')) return false;
  size_t i = 2;
  while (i < v.size() && std::isxdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 2) return false;
  std::string_view suffix = v.substr(i);
  return suffix.size() <= 3 && std::all_of(suffix.begin(), suffix.end(), [](char c) {
           return c == 'u' || c == 'U' || c == 'l' || c == 'L';
         });
}

// "fkxhiiedpllwwqnyw", "qniU2hdoeZsc": letters no language spells. Words and names (even joined,
// even with digits: "changeme", "development", "Winter2022") keep about one letter in three a vowel
// and break consonants into short runs; random letters have one vowel in five and runs of five or
// more consonants.
bool reads_as_random_letters(std::string_view v) {
  size_t letters = 0, vowels = 0, run = 0, longest = 0;
  for (char c : v) {
    if (!is_alpha(c)) {
      run = 0;
      continue;
    }
    ++letters;
    bool vowel = std::strchr("aeiouAEIOU", c) != nullptr;
    vowels += vowel;
    run = vowel ? 0 : run + 1;
    longest = std::max(longest, run);
  }
  if (letters < 8) return false;
  return longest >= 5 || vowels * 5 < letters;
}

bool is_identifier_shaped(std::string_view v) {
  if (v.empty() || !(std::isalpha(static_cast<unsigned char>(v[0])) || v[0] == '_')) return false;
  bool inner_upper = false, underscore = false, digit = false;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (!(is_alnum(c) || c == '_' || c == '.')) return false;
    if (i > 0 && is_upper(c) && is_lower(v[i - 1])) inner_upper = true;
    if (c == '_' || c == '.') underscore = true;
    if (is_digit(c)) digit = true;
  }
  // userPassword, DB_PASSWORD, V1LocalObjectReference: words joined as names are. A random token
  // mixes case and digits too, but its lowercase runs are short: in a name, runs of three or more
  // lowercase letters (or a whole UPPER_SNAKE word) make up most of it.
  size_t in_words = 0, run = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && is_lower(v[i])) {
      ++run;
      continue;
    }
    if (run >= 3) in_words += run + 1;  // the run and the capital that starts its word
    run = 0;
  }
  bool upper_snake = underscore && std::none_of(v.begin(), v.end(), [](char c) { return is_lower(c); });
  (void)digit;
  return (inner_upper || underscore) && (upper_snake || in_words * 10 >= v.size() * 7);
}

}  // namespace

bool is_graded(Feature f) {
  return f == Feature::kLogLength || f == Feature::kEntropy || f == Feature::kEntropyRatio ||
         f == Feature::kCharClasses;
}

std::string_view feature_name(Feature f) { return kFeatureNames[static_cast<size_t>(f)]; }
std::string_view feature_text(Feature f) { return kFeatureTexts[static_cast<size_t>(f)]; }

namespace {
// `v` lowered, `original` as written: a word counts only as a person writes one (value_shape.h).
bool is_placeholder_lowered(std::string_view v, const AsciiSet& bytes, std::string_view original) {
  static constexpr Needle kWords[] = {
      "example", "sample", "dummy", "placeholder", "your_", "your-", "yourpass", "yourkey",
      "yoursecret", "yourtoken", "xxxx", "changeme", "change_me", "change-me", "changeit",
      "redacted", "replace", "insert", "fixme", "todo", "****", "....", "…", "<", "${", "{{",
      "%(", "#{", "<%", "fake", "notreal", "not-a-real", "not_a_real", "enter_", "put_your",
      "secret_here", "key_here", "token_here", "password_here", "here", "removed", "hidden",
      "masked", "censored", "foobar", "lorem", "ipsum"};
  for (const Needle& w : kWords)
    if (contains(v, bytes, w) && contains_word_as_written(original, w.text)) return true;
  return false;
}
}  // namespace

bool is_placeholder_value(std::string_view value) {
  SmallText v;
  append_lower(value, v);
  return is_placeholder_lowered(v.view(), AsciiSet(v.view()), value);
}

FileKind classify_path(std::string_view path) {
  FileKind k;
  std::string p = to_lower(path);
  // Only the last few components matter: an APK entry's chain ends in the entry's own path.
  size_t bang = p.rfind('!');
  if (bang != std::string::npos) p = p.substr(bang + 1);
  for (std::string_view w : {"test", "spec", "mock", "fixture", "example", "sample", "demo", "fake",
                             "stub", "dummy"})
    if (contains(p, w)) k.test = true;
  size_t slash = p.rfind('/');
  std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
  size_t dot = base.rfind('.');
  std::string ext = dot == std::string::npos ? std::string() : base.substr(dot);
  // .txt is data more often than prose: logs, recordings, dumps, notes of credentials.
  static constexpr std::string_view kDoc[] = {".md", ".rst", ".adoc", ".asciidoc", ".html",
                                              ".htm", ".tex", ".markdown", ".ipynb"};
  static constexpr std::string_view kConfig[] = {
      ".yml", ".yaml", ".env", ".properties", ".ini", ".toml", ".conf", ".cfg", ".config", ".xml",
      ".tf", ".tfvars", ".plist", ".gradle", ".cnf", ".json", ".example", ".sample", ".template",
      ".dist", ".xaml", ".settings", ".npmrc", ".pypirc", ".netrc", ".strings"};
  static constexpr std::string_view kData[] = {".log", ".txt", ".tfstate", ".har", ".csv", ".snap",
                                               ".sql", ".dump", ".out", ".yaml-tmpl"};
  auto in = [&](const auto& list) { return std::find(std::begin(list), std::end(list), ext) != std::end(list); };
  if (in(kDoc)) k.doc = true;
  else if (in(kConfig) || base.starts_with(".env") || base == "dockerfile") k.config = true;
  else if (in(kData)) k.data = true;
  else if (!ext.empty()) k.code = true;
  for (std::string_view s : {".sh", ".bash", ".zsh", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".mk"})
    if (ext == s) k.script = true;
  if (base == "makefile" || base == "gnumakefile") k.script = true;
  return k;
}

bool could_name_credential(std::string_view name) {
  // Every word classify_name accepts contains one of these (case-insensitively); "value" and
  // "content" stay too: <add key="Password" value="x"/> is renamed before the filter, but an
  // unnamed value attribute must not be lost either.
  static constexpr std::string_view kStems[] = {
      "pass", "pw", "pswd", "pword", "secret", "token", "salt", "nonce", "seed", "jwt", "otp", "hmac",
      "signature", "key", "auth", "cred", "bearer", "cookie", "session", "sid"};
  char buf[160];
  size_t n = std::min(name.size(), sizeof buf);
  for (size_t i = 0; i < n; ++i) buf[i] = lower(name[i]);
  std::string_view low(buf, n);
  for (auto stem : kStems)
    if (low.find(stem) != std::string_view::npos) return true;
  return false;
}

// The name's class from its words' flags: a password word anywhere wins, then any other credential
// word.
using WordFlags = std::array<uint8_t, 12>;  // one per word of NameWords

NameClass class_of(const Assignment& a, const WordFlags& flags, size_t words) {
  if (a.implied == Implied::kPassword) return NameClass::kPassword;
  if (a.implied == Implied::kToken) return NameClass::kSecret;
  NameClass cls = NameClass::kNone;
  for (size_t i = 0; i < words; ++i) {
    uint8_t f = flags[i];
    if (f & kWordPassword) return NameClass::kPassword;
    if (f) cls = NameClass::kSecret;
  }
  return cls;
}

WordFlags flags_of(const NameWords& words) {
  WordFlags flags{};
  for (size_t i = 0; i < words.size(); ++i) flags[i] = word_flags(words[i]);
  return flags;
}

NameClass classify_name(const Assignment& a) {
  const NameWords words(a.name);
  return class_of(a, flags_of(words), words.size());
}

// Unquoted in source code and shaped like a variable, a keyword or an expression
// (`key = self.key`, `token = nullptr`, `password = $input`, `password: config?.password`,
// `password: auth[1]`): a reference, never the secret. Most
// candidates in code are these; they are dropped before the features are computed (the model
// gave them nothing: unquoted_in_code, identifier_like, keyword_value and expression all lower
// the score), which keeps the scorer off the scan's hot path.
bool is_code_reference(const Assignment& a, const FileKind& file) {
  if (a.quote != Quote::kNone || !file.code || file.script || a.syntax != Syntax::kAssignment) return false;
  std::string_view v = a.value;
  if (v.empty() || std::string_view("$%{[(<&*@:#!/").find(v.front()) != std::string_view::npos) return true;
  if (is_hex_integer_literal(v)) return true;  // seed = 0xff51afd7ed558ccdULL: a number
  if (!(std::isalpha(static_cast<unsigned char>(v.front())) || v.front() == '_')) return false;
  bool digit = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    // A name indexed (auth[1], args[0]): an expression, whatever the index holds.
    if (c == '[' && i > 0) return true;
    // Optional chaining and non-null assertions between names: config?.password, user!!.token.
    if ((c == '?' || c == '!') && i > 0 && i + 1 < v.size() && (v[i + 1] == '.' || v[i + 1] == '!'))
      continue;
    if (!(is_alnum(c) || c == '_' || c == '.')) return false;
    digit |= is_digit(c);
  }
  // Letters, '_' and '.' only: a name (self.key, nullptr, DEFAULT_TOKEN, getToken). With digits
  // it may be a bare secret in a shell or config-like script (PASSWORD=hunter22): kept.
  return !digit;
}

NameTraits name_traits(std::string_view name) {
  NameTraits t;
  const NameWords words(name);
  const WordFlags flags = flags_of(words);
  size_t last_kw = words.size();
  for (size_t i = 0; i < words.size(); ++i)
    if (flags[i]) last_kw = i;
  // "key" after one of these is a credential key (ConsumerKey, client_key, MASTER_KEY), not a map
  // key or a primary key.
  bool has_api = false;
  for (std::string_view q : {"api"sv, "access"sv, "private"sv, "secret"sv, "consumer"sv, "client"sv, "app"sv,
                             "master"sv, "signing"sv, "encryption"sv, "license"sv, "subscription"sv, "account"sv,
                             "shared"sv, "auth"sv, "service"sv, "storage"sv, "admin"sv, "developer"sv, "dev"sv})
    has_api |= std::find(words.begin(), words.end(), q) != words.end();
  bool any_password = false, any_secret = false, any_apikey = false, any_auth = false, any_key = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const uint8_t f = flags[i];
    any_password |= (f & kWordPassword) != 0;
    any_secret |= (f & kWordSecret) != 0;
    any_apikey |= (f & kWordApiKey) != 0;
    any_auth |= (f & kWordAuth) != 0;
    any_key |= (f & kWordKey) != 0;
  }
  t.by_words = any_password ? NameClass::kPassword
               : (any_secret || any_apikey || any_auth || any_key) ? NameClass::kSecret
                                                                    : NameClass::kNone;
  t.password = any_password;
  t.secret = any_secret;
  t.api_key = any_apikey || (any_key && has_api);
  t.key_only = any_key && !any_password && !any_secret && !any_apikey && !any_auth && !has_api;
  t.auth = any_auth;
  t.keyword_last = !words.empty() && last_kw + 1 == words.size();
  for (size_t i = last_kw + 1; i < words.size(); ++i) t.describes |= is_describing_word(words[i]);
  t.field_constant = names_a_field(name);
  // client_id, private_key_id, PublicKeyToken, publishable_key, gpg --recv-keys: identifiers,
  // public by design.
  bool public_word = false;
  for (const auto& w : words)
    public_word |= w == "public" || w == "pub" || w == "publishable" || w == "recv" || w == "keyserver";
  t.identifier = (!words.empty() && is_identifier_word(words.back())) || public_word;
  for (const auto& w : words)
    for (std::string_view d : {"sha256"sv, "sha1"sv, "sha"sv, "md5"sv, "hash"sv, "hashed"sv, "digest"sv, "fingerprint"sv, "checksum"sv})
      t.digest |= w == d;
  // STRIPE_KEY=…, LASTFM_SECRET=…: a deployment setting, named for what it configures. In code
  // an upper-snake constant is just as often a map key or a message id; the model weighs that.
  t.env_style = name.find('_') != std::string_view::npos && words.size() >= 2 &&
                std::all_of(name.begin(), name.end(), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
  return t;
}

const NameTraits& NameTraitsCache::get(std::string_view name) {
  if (auto it = traits_.find(name); it != traits_.end()) return it->second;
  // A bound on the memory a table of many distinct names can take; refilling is only slower.
  if (traits_.size() >= kMaxNames) traits_.clear();
  return traits_.emplace(std::string(name), name_traits(name)).first->second;
}

namespace {
// What compute_features asks of every byte of a value, read in one pass.
struct ValueBytes {
  explicit ValueBytes(std::string_view v) {
    for (char c : v) {
      bytes.add(c);
      lowered.push_back(lower(c));
      if (is_upper(c) || is_lower(c) || is_digit(c)) {
        lowered_alnum.push_back(lower(c));
        if (is_upper(c)) ++upper;
        else if (is_lower(c)) ++low;
        else ++digit;
        all_hex = all_hex && (is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'));
        letters_only = letters_only && !is_digit(c);
        continue;
      }
      all_hex = false;
      if (c == ' ') {
        ++space;
        all_base64 = letters_only = false;
        continue;
      }
      ++symbol;
      all_base64 = all_base64 && (c == '+' || c == '/' || c == '=' || c == '-' || c == '_');
      letters_only = letters_only && (c == '_' || c == '-');
      slash = slash || c == '/' || c == '\\';
      non_ascii = non_ascii || static_cast<unsigned char>(c) >= 0x80;
    }
  }
  size_t upper = 0, low = 0, digit = 0, space = 0, symbol = 0;
  bool all_hex = true;       // 0-9, a-f, A-F only
  bool all_base64 = true;    // letters, digits and + / = - _ only
  bool letters_only = true;  // lowercased, a-z _ - only
  bool slash = false;        // a '/' or '\\'
  bool non_ascii = false;    // a byte >= 0x80
  AsciiSet bytes;
  SmallText lowered;        // the value lowercased
  SmallText lowered_alnum;  // its letters and digits, lowercased
};
}  // namespace

NameClass compute_features(const Assignment& a, const FileKind& file, FeatureVector& out) {
  return compute_features(a, name_traits(a.name), file, out);
}

NameClass compute_features(const Assignment& a, const NameTraits& name, const FileKind& file, FeatureVector& out) {
  out.fill(0);
  auto set = [&](Feature f, float v = 1) { out[static_cast<size_t>(f)] = v; };
  // A password word anywhere wins, then any other credential word; a syntax that implies the kind
  // comes first.
  const NameClass cls = a.implied == Implied::kPassword ? NameClass::kPassword
                        : a.implied == Implied::kToken  ? NameClass::kSecret
                                                        : name.by_words;
  if (cls == NameClass::kNone || is_code_reference(a, file)) return NameClass::kNone;

  // Name.
  if (name.password || a.implied == Implied::kPassword) set(Feature::kNamePassword);
  if (name.secret) set(Feature::kNameSecret);
  if (name.api_key) set(Feature::kNameApiKey);
  if (name.key_only) set(Feature::kNameKeyOnly);
  if (name.auth) set(Feature::kNameAuth);
  if (name.keyword_last) set(Feature::kNameKeywordLast);
  if (name.identifier) set(Feature::kNameIdentifier);
  if (name.digest) set(Feature::kNameDigest);
  if (a.syntax == Syntax::kAssignment || a.syntax == Syntax::kPairArgs) {
    // The name was quoted when the byte after it in the source is a quote; the reader strips it,
    // so look at the name's neighbour.
    const char* after = a.name.data() + a.name.size();
    if (!a.name.empty() && (*after == '"' || *after == '\'')) set(Feature::kNameQuoted);
  }
  if (name.env_style) set(Feature::kNameEnvStyle);
  if (a.implied == Implied::kPassword) set(Feature::kImpliedPassword);
  if (a.implied == Implied::kToken || !a.scheme.empty()) set(Feature::kImpliedToken);

  // Value.
  std::string_view v = a.value;
  // One pass over the value for its counts, its byte set, its lowercased copies and the tests that
  // hold for every byte or for any (a candidate's value was otherwise read some ten times over).
  const ValueBytes vb(v);
  const AsciiSet& value_bytes = vb.bytes;
  const size_t upper = vb.upper, low = vb.low, digit = vb.digit, symbol = vb.symbol, space = vb.space;
  // A field constant's value that reads as a field's name ("miflow", "user_pwd", "PASSWORD"): one
  // case, words and few digits, no other symbol than _ . -. A random string under KEY_PASSWORD is
  // still scored as a password.
  const bool field_name_value =
      name.field_constant && !v.empty() && v.size() <= 48 && (upper == 0 || low == 0) &&
      digit * 4 <= v.size() &&
      std::all_of(v.begin(), v.end(),
                  [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; }) &&
      !reads_as_random_letters(v);
  if (name.describes || field_name_value) set(Feature::kNameDescribes);
  double len = static_cast<double>(v.size());
  set(Feature::kLogLength, static_cast<float>(std::log2(len + 1)));
  if (v.size() < 8) set(Feature::kShort);
  if (v.size() > 64) set(Feature::kLong);
  double h = shannon_entropy(v);
  set(Feature::kEntropy, static_cast<float>(h));
  double hmax = std::log2(std::min(len, 64.0));
  set(Feature::kEntropyRatio, static_cast<float>(hmax > 0 ? h / hmax : 0));
  set(Feature::kCharClasses, static_cast<float>((upper > 0) + (low > 0) + (digit > 0) + (symbol > 0)));
  if (digit) set(Feature::kHasDigit);
  if (symbol) set(Feature::kHasSymbol);
  if (v.size() >= 8 && vb.all_hex && digit) set(Feature::kHex);
  const bool identifier_shaped = is_identifier_shaped(v);
  // Random base64 material, not a type name that happens to hold a digit (V1LocalObjectReference).
  if (v.size() >= 16 && vb.all_base64 && digit && (upper || low) && !identifier_shaped)
    set(Feature::kBase64Like);
  if (is_uuid(v)) set(Feature::kUuid);
  if (upper + low == v.size()) set(Feature::kWordLike);
  {
    size_t letters = 0;
    while (letters < v.size() && is_alpha(v[letters])) ++letters;
    if (letters >= 3 && letters < v.size() && v.size() - letters <= 6 && symbol + digit == v.size() - letters)
      set(Feature::kWordDigits);
    else if (letters >= 2 && digit == 1 && symbol == 0 && v.size() <= 16)  // passw0rd
      set(Feature::kWordDigits);
  }
  if (identifier_shaped) set(Feature::kIdentifierLike);
  if (reads_as_random_letters(v)) set(Feature::kRandomLetters);
  for (size_t i = 1; i + 1 < v.size(); ++i)
    if (v[i] == '.' && is_alnum(v[i - 1]) && is_alpha(v[i + 1])) {
      set(Feature::kDotted);
      break;
    }
  if (vb.slash) set(Feature::kPathLike);
  // Paths, routes and resource names: /en/docs, ./config, ~/.ssh, arn:aws:iam::..., and Rails'
  // "controller/path#action".
  bool rails_route = v.find('/') != std::string_view::npos && v.find('#') != std::string_view::npos &&
                     std::all_of(v.begin(), v.end(), [](char c) { return is_lower(c) || c == '_' || c == '/' || c == '#'; });
  // A resource or file: res/drawable/x.xml, icon.png.
  bool file_name = false;
  if (size_t dot = v.rfind('.'); dot != std::string_view::npos && dot + 1 < v.size())
    for (std::string_view e : {"xml"sv, "png"sv, "jpg"sv, "jpeg"sv, "gif"sv, "svg"sv, "webp"sv, "json"sv, "js"sv, "html"sv,
                               "css"sv, "txt"sv, "so"sv, "dex"sv, "mp3"sv, "ogg"sv, "ttf"sv, "otf"sv})
      file_name |= v.substr(dot + 1) == e;
  if (v.starts_with("/") || v.starts_with("./") || v.starts_with("../") || v.starts_with("~/") ||
      v.starts_with("arn:") || v.starts_with("res/") || rails_route || file_name)
    set(Feature::kRoute);
  if (!v.empty() && std::string_view("$%{[(<&*@:#!/").find(v.front()) != std::string_view::npos)
    set(Feature::kExpression);
  static constexpr Needle kTemplateMarks[] = {"${", "{{", "%(", "%s", "#{", "<%", "{0}", "$(", "%v"};
  for (const Needle& t : kTemplateMarks)
    if (contains(v, value_bytes, t)) set(Feature::kTemplate);
  // $DB_PASSWORD: a shell variable, where "P@$$w0rd" is not.
  for (size_t i = 0; i + 3 < v.size(); ++i)
    if (v[i] == '$' && std::all_of(v.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                   v.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                                   [](char c) { return is_upper(c) || c == '_'; }))
      set(Feature::kTemplate);
  const SmallText& lowered_value = vb.lowered;
  const AsciiSet lowered_bytes = value_bytes.lowered();
  if (is_placeholder_lowered(lowered_value.view(), lowered_bytes, v)) set(Feature::kPlaceholder);
  if (is_filler(v)) set(Feature::kFiller);
  {
    const std::string_view lv = lowered_value.view();
    // "your_password", "secret-key": the value names itself. A weak password that merely holds
    // the word ("passw0rd", "Password1!") has digits or symbols and is not this.
    const bool letters_only = vb.letters_only;
    static constexpr Needle kKeywords[] = {"password", "passwd", "secret", "token", "apikey", "api_key", "pass",
                                           "credential"};
    static constexpr Needle kWeakWords[] = {"admin", "test",    "demo",   "guest",   "user",
                                            "default", "root", "qwerty", "letmein", "welcome"};
    for (const Needle& w : kKeywords)
      if (letters_only && contains(lv, lowered_bytes, w)) set(Feature::kMentionsKeyword);
    for (const Needle& w : kWeakWords)
      if (contains(lv, lowered_bytes, w)) set(Feature::kWeakWord);
    // Literals and language keywords: `password: true`, C++'s `class FooPass : public Base`.
    for (std::string_view w : {"true"sv, "false"sv, "null"sv, "none"sv, "nil"sv, "undefined"sv, "empty"sv, "yes"sv,
                               "no"sv, "string"sv, "str"sv, "bool"sv, "int"sv, "object"sv, "required"sv, "optional"sv,
                               "public"sv, "private"sv, "protected"sv, "virtual"sv, "static"sv, "final"sv, "const"sv,
                               "class"sv, "struct"sv, "return"sv, "new"sv, "function"sv, "lambda"sv, "self"sv, "this"sv,
                               "await"sv, "yield"sv, "typename"sv, "default"sv, "void"sv, "var"sv, "let"sv, "val"sv,
                               "nullptr"sv})
      if (lv == w) set(Feature::kKeywordValue);
  }
  if (space) set(Feature::kHasSpace);
  if (vb.non_ascii) set(Feature::kNonAscii);
  {
    // The value spells the name again, in any case, without separators: a field's own name.
    SmallText name_alnum;
    for (char c : a.name)
      if (is_alnum(c)) name_alnum.push_back(lower(c));
    const std::string_view lv = vb.lowered_alnum.view(), ln = name_alnum.view();
    if (lv.size() >= 4 && (lv == ln || (ln.size() > lv.size() && ln.ends_with(lv)))) set(Feature::kEchoesName);
  }
  {
    // Three or more words of 3 to 16 letters joined by '-' or '_': a slug or a description. A word
    // is written as words are (lower, UPPER or Capitalised); letters in random case
    // ("YaFobe-YQznw-MIQcNLvQRTSD") are a key's base64url, not words.
    size_t words = 0, start = 0;
    for (size_t i = 0; i <= v.size(); ++i) {
      if (i < v.size() && v[i] != '-' && v[i] != '_') continue;
      const std::string_view part = v.substr(start, i - start);
      if (part.size() >= 3 && part.size() <= 16 &&
          std::all_of(part.begin(), part.end(),
                      [](char c) { return is_lower(c) || is_upper(c); }) &&
          cased_as_a_word(part))
        ++words;
      start = i + 1;
    }
    if (words >= 3) set(Feature::kPhrase);
  }
  if (digit == v.size()) set(Feature::kNumeric);

  // Syntax.
  if (a.quote != Quote::kNone) set(Feature::kQuoted);
  if (a.in_comment) set(Feature::kInComment);
  if (a.quote == Quote::kNone && file.code && a.syntax == Syntax::kAssignment)
    set(Feature::kUnquotedInCode);
  if (a.syntax == Syntax::kCall) {
    std::string w = to_lower(a.wrapper);
    if (contains(w, "env") || contains(w, "get") || contains(w, "config") || contains(w, "secret") ||
        contains(w, "vault") || contains(w, "prompt") || contains(w, "input") || contains(w, "param") ||
        contains(w, "arg") || contains(w, "fetch") || contains(w, "lookup") || contains(w, "read"))
      set(Feature::kEnvLookup);
    else
      set(Feature::kCallLiteral);
  }
  if (a.syntax == Syntax::kXml) set(Feature::kSyntaxXml);
  if (a.syntax == Syntax::kPairArgs) set(Feature::kSyntaxPairArgs);
  if (a.syntax == Syntax::kCommandLine || a.syntax == Syntax::kSql || a.syntax == Syntax::kSecureString)
    set(Feature::kSyntaxCommand);
  if (a.syntax == Syntax::kUrl) set(Feature::kSyntaxUrl);
  if (a.scheme == "Basic" || a.scheme == "basic") {
    // Basic credentials are standard base64 of "user:password" (RFC 7617): read up to the first
    // '=', and not in the URL-safe alphabet.
    std::string_view b64 = v.substr(0, v.find('='));
    auto decoded = b64.find_first_of("-_") == std::string_view::npos ? decode::decode_base64(b64)
                                                                      : std::nullopt;
    size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon != std::string::npos && colon > 0 && colon + 1 < decoded->size() &&
        std::all_of(decoded->begin(), decoded->end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
      set(Feature::kBasicUserPass);
  }

  // File.
  if (file.test) set(Feature::kFileTest);
  if (file.doc) set(Feature::kFileDoc);
  if (file.config) set(Feature::kFileConfig);
  if (file.code) set(Feature::kFileCode);
  if (file.data) set(Feature::kFileData);
  return cls;
}

}  // namespace keysweep::context
