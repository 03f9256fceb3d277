#include "suppress/allow_comment.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace keysweep::suppress {

namespace {

constexpr std::string_view kMarker = "keysweep:allow";
constexpr std::string_view kGitleaksMarker = "gitleaks:allow";
constexpr std::string_view kTrufflehogMarker = "trufflehog:ignore";

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '*' || c == '?';
}

bool directive_covers(const AllowDirective& d, std::string_view rule_id) {
  if (!d.present) return false;
  if (d.rules.empty()) return true;
  std::string id(rule_id);
  for (const auto& glob : d.rules)
    if (fnmatch(glob.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace

AllowDirective parse_allow_comment(std::string_view text) {
  AllowDirective d;
  // gitleaks' and TruffleHog's markers allow every rule on the line, as they do in those tools;
  // keysweep rule ids after them are not read (neither tool would read them either).
  for (std::string_view foreign : {kGitleaksMarker, kTrufflehogMarker})
    if (text.starts_with(foreign)) {
      d.present = true;
      d.marker = std::string(foreign);
      return d;
    }
  if (!text.starts_with(kMarker)) return d;
  d.marker = std::string(kMarker);
  text.remove_prefix(kMarker.size());
  // "keysweep:allowed" or "keysweep:allow-list" is some other word, not the directive.
  if (!text.empty() && (id_char(text.front()) && text.front() != '*' && text.front() != '.'))
    return d;
  d.present = true;
  size_t i = 0;
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ',')) ++i;
    size_t start = i;
    while (i < text.size() && id_char(text[i])) ++i;
    std::string_view word = text.substr(start, i - start);
    while (word.ends_with('-')) word.remove_suffix(1);  // "aws.*-->": no rule id ends with '-'
    // A rule id or glob has a '.' or a '*' and a letter or digit ("aws.*"); "*/" closes a comment.
    bool alnum = std::any_of(word.begin(), word.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    if (!alnum || word.find_first_of(".*") == std::string_view::npos) break;
    d.rules.emplace_back(word);
    // An id glued to punctuation ("aws.*:" or "aws.*-->") ends the list after it.
    if (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != ',') break;
  }
  return d;
}

bool allowed_by_comment(const Finding& f) {
  if (!f.is_pair()) return directive_covers(parse_allow_comment(f.allow_comment), f.rule_id);
  for (const Finding& part : f.parts) {
    AllowDirective d = parse_allow_comment(part.allow_comment);
    if (directive_covers(d, part.rule_id) || directive_covers(d, f.rule_id)) return true;
  }
  return false;
}

}  // namespace keysweep::suppress
