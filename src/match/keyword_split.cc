#include "match/keyword_split.h"

namespace keysweep {

namespace {

// The parts of the three forms around the keyword list, as rules/generic.toml writes them.
constexpr std::string_view kAssignment =
    R"(\w{0,30}(?:["'`\]\\]{0,3}|&quot;)(?:\s{1,12}(?:string|String|str|\[\]byte|value|Value))?[ \t]{0,16}(?:[:=]|[?.+]=))";
constexpr std::string_view kQuoteThenComma = R"(\w{0,30}["']\s{0,2}[,>])";

// "secret|token|\bsid|\bpw\b": lower-case words, each with an optional \b before and after.
std::optional<std::vector<KeywordSplit::Keyword>> read_keywords(std::string_view list) {
  std::vector<KeywordSplit::Keyword> out;
  size_t i = 0;
  while (true) {
    KeywordSplit::Keyword k;
    if (list.substr(i, 2) == R"(\b)") {
      k.boundary_before = true;
      i += 2;
    }
    while (i < list.size() && list[i] >= 'a' && list[i] <= 'z') k.text += list[i++];
    if (k.text.empty()) return std::nullopt;
    if (list.substr(i, 2) == R"(\b)") {
      k.boundary_after = true;
      i += 2;
    }
    k.pattern = std::string("(?i)") + (k.boundary_before ? R"(\b)" : "") + k.text +
                (k.boundary_after ? R"(\b)" : "");
    out.push_back(std::move(k));
    if (i == list.size()) return out;
    if (list[i++] != '|') return std::nullopt;
  }
}

}  // namespace

std::optional<KeywordSplit> split_keyword_pattern(std::string_view pattern) {
  constexpr std::string_view kStart = "(?i)(?:";
  if (!pattern.starts_with(kStart)) return std::nullopt;
  const size_t close = pattern.find(')', kStart.size());
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view list = pattern.substr(kStart.size(), close - kStart.size());
  auto keywords = read_keywords(list);
  if (!keywords) return std::nullopt;
  const std::string group = "(?:" + std::string(list) + ")";
  const std::string forms = "(?i)" + group + std::string(kAssignment) + "|" + group +
                            std::string(kQuoteThenComma) + "|<\\w{0,30}" + group + "\\w{0,30}>|";
  if (!pattern.starts_with(forms) || pattern.size() == forms.size()) return std::nullopt;
  KeywordSplit split;
  split.keywords = std::move(*keywords);
  // REST: the top-level alternatives after the forms, still case-insensitive. It must be whole
  // alternatives (the forms' text ends at a top-level |, and the pattern is balanced, which
  // Vectorscan checks when it compiles REST), and hold no NUL that would end the C string.
  const std::string_view rest = pattern.substr(forms.size());
  if (rest.find('\0') != std::string_view::npos) return std::nullopt;
  split.rest = "(?i)" + std::string(rest);
  return split;
}

}  // namespace keysweep
