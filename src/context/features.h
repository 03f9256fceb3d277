// What the scorer knows about one assignment: its name, its value, its syntax and its file, as a
// fixed vector of named numbers. The names are the model file's vocabulary (scorer_model.txt);
// training (scripts/train_context_model.py) reads the same vector from `keysweep debug
// candidates`, so the features are computed in exactly one place, here.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "context/assignment_reader.h"

namespace keysweep::context {

// X(identifier, "name in the model file", "what it means, for the finding's signals")
#define KEYSWEEP_CONTEXT_FEATURES(X)                                                            \
  X(kNamePassword, "name_password", "the name says password")                                    \
  X(kNameSecret, "name_secret", "the name says secret or token")                                 \
  X(kNameApiKey, "name_api_key", "the name says API key or access key")                          \
  X(kNameKeyOnly, "name_key_only", "the name says only 'key'")                                   \
  X(kNameAuth, "name_auth", "the name says auth or credential")                                  \
  X(kNameKeywordLast, "name_keyword_last", "the credential word ends the name")                  \
  X(kNameDescribes, "name_describes", "the name describes the credential (hint, url, length...)")\
  X(kNameIdentifier, "name_identifier", "the name is an id, user or public identifier")          \
  X(kNameDigest, "name_digest", "the name is a hash or fingerprint of the credential")            \
  X(kNameQuoted, "name_quoted", "the name is a quoted key")                                      \
  X(kNameEnvStyle, "name_env_style", "an UPPER_SNAKE environment-style name (STRIPE_KEY)")       \
  X(kImpliedPassword, "implied_password", "the syntax is a password (SQL, CLI, URL, curl -u)")   \
  X(kImpliedToken, "implied_token", "an auth header scheme (Bearer, Basic)")                     \
  X(kBasicUserPass, "basic_user_pass", "the Basic value decodes to user:password")              \
  X(kLogLength, "log_length", "log2 of the value's length")                                      \
  X(kShort, "short", "fewer than 8 characters")                                                  \
  X(kLong, "long", "more than 64 characters")                                                    \
  X(kEntropy, "entropy", "Shannon entropy of the value, bits per character")                    \
  X(kEntropyRatio, "entropy_ratio", "entropy relative to the most its length allows")           \
  X(kCharClasses, "char_classes", "how many of upper, lower, digit, symbol it mixes")           \
  X(kHasDigit, "has_digit", "holds a digit")                                                     \
  X(kHasSymbol, "has_symbol", "holds a symbol ($, !, @, %...)")                                   \
  X(kHex, "hex", "hexadecimal")                                                                  \
  X(kBase64Like, "base64_like", "a base64 or base64url run of 16+ characters")                  \
  X(kUuid, "uuid", "shaped like a UUID")                                                         \
  X(kWordLike, "word_like", "letters only, like a word")                                         \
  X(kRandomLetters, "random_letters", "its letters read as random, not as words")                \
  X(kWordDigits, "word_digits", "a word followed by digits or a symbol (Winter2022, passw0rd)")  \
  X(kIdentifierLike, "identifier_like", "shaped like a variable or field name")                 \
  X(kDotted, "dotted", "dotted like a property path, host or version")                           \
  X(kPathLike, "path_like", "holds a / or \\ like a path or route")                              \
  X(kRoute, "route", "starts like a file path or URL route")                                     \
  X(kExpression, "expression", "starts like an expression, variable or template")               \
  X(kTemplate, "template", "holds a template or format placeholder")                             \
  X(kPlaceholder, "placeholder", "a known placeholder or sample word")                           \
  X(kFiller, "filler", "a run, sequence or repeated pattern (xxxx, 123456, abcabc)")            \
  X(kMentionsKeyword, "mentions_keyword", "the value itself says password, secret or key")       \
  X(kWeakWord, "weak_word", "a weak password word (admin, test, guest, demo, default)")           \
  X(kHasSpace, "has_space", "holds spaces, like prose")                                          \
  X(kPhrase, "phrase", "words joined by - or _, like a description (loaded-from-remote-config)")   \
  X(kNonAscii, "non_ascii", "holds non-ASCII text, like a translated UI string")                  \
  X(kEchoesName, "echoes_name", "repeats the name (keyPoolSize = \"keypoolsize\")")               \
  X(kNumeric, "numeric", "digits only")                                                          \
  X(kKeywordValue, "keyword_value", "a literal like true, null, none, empty")                    \
  X(kQuoted, "quoted", "a quoted literal")                                                       \
  X(kInComment, "in_comment", "on a comment line")                                               \
  X(kUnquotedInCode, "unquoted_in_code", "unquoted in source code, so a variable or call")       \
  X(kEnvLookup, "env_lookup", "read from the environment or a config call")                     \
  X(kCallLiteral, "call_literal", "a literal inside a constructor or conversion call")           \
  X(kSyntaxXml, "syntax_xml", "an XML element or attribute")                                     \
  X(kSyntaxPairArgs, "syntax_pair_args", "a name and value passed together (put, setHeader)")   \
  X(kSyntaxCommand, "syntax_command", "a command-line flag")                                     \
  X(kSyntaxUrl, "syntax_url", "the password of a URL")                                           \
  X(kFileTest, "file_test", "a test, fixture, mock or example file")                            \
  X(kFileDoc, "file_doc", "documentation or prose")                                              \
  X(kFileConfig, "file_config", "a configuration file")                                          \
  X(kFileCode, "file_code", "source code")                                                       \
  X(kFileData, "file_data", "a data, log or recording file")

enum class Feature : uint8_t {
#define KEYSWEEP_FEATURE_ENUM(id, name, text) id,
  KEYSWEEP_CONTEXT_FEATURES(KEYSWEEP_FEATURE_ENUM)
#undef KEYSWEEP_FEATURE_ENUM
      kCount
};
constexpr size_t kFeatureCount = static_cast<size_t>(Feature::kCount);
// Graded features (length, entropy, class count) move every score a little; a finding's signals
// name only the yes/no features that fired.
bool is_graded(Feature f);
std::string_view feature_name(Feature f);
std::string_view feature_text(Feature f);

using FeatureVector = std::array<float, kFeatureCount>;

// What kind of credential the name (or the syntax) speaks of; kNone: not a credential name, and
// the assignment is not scored at all.
enum class NameClass : uint8_t { kNone, kPassword, kSecret };

struct FileKind {
  bool test = false, doc = false, config = false, code = false, data = false;
  bool script = false;  // shell, PowerShell, batch, make: code whose unquoted values are literals
};
// From the path's directories, base name and extension ("src/test/Foo.java", "config/.env").
FileKind classify_path(std::string_view path);

NameClass classify_name(const Assignment& a);
// A cheap superset of classify_name's vocabulary for the reader's name filter: false only when no
// credential word can be in the name.
bool could_name_credential(std::string_view name);
// What a name's words say, whatever its value, syntax or file: the same for every candidate of
// that name. A resources.arsc repeats each name in every locale it translates (~80 in a
// framework's table), so the scanner works this out once per distinct name (NameTraitsCache).
struct NameTraits {
  NameClass by_words = NameClass::kNone;  // the class the words give, before the syntax's
  bool password = false, secret = false, api_key = false, key_only = false, auth = false;
  bool keyword_last = false, describes = false, identifier = false, digest = false, env_style = false;
  // Named first for the kind of key it is (KEY_PASSWORD, JSON_KEY_…, PREF_KEY_…, EXTRA_…): its
  // value is likely the name of a field, which compute_features checks.
  bool field_constant = false;
};
NameTraits name_traits(std::string_view name);

// Each distinct name's traits, computed on first sight. Bounded: past kMaxNames it starts afresh.
class NameTraitsCache {
 public:
  static constexpr size_t kMaxNames = 16384;
  const NameTraits& get(std::string_view name);
  size_t size() const { return traits_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, NameTraits, Hash, std::equal_to<>> traits_;
};

// Fills `out`; returns the class (kNone leaves `out` unspecified).
NameClass compute_features(const Assignment& a, const FileKind& file, FeatureVector& out);
// The same with the name's traits already worked out (name_traits(a.name)): the same features.
NameClass compute_features(const Assignment& a, const NameTraits& name, const FileKind& file, FeatureVector& out);

// Value checks shared with the rest of the scorer.
bool is_placeholder_value(std::string_view value);

}  // namespace keysweep::context
