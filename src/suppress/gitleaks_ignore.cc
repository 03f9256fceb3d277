#include "suppress/gitleaks_ignore.h"

#include <algorithm>
#include <charconv>

#include "core/text_file.h"

namespace keysweep::suppress {

namespace {

bool is_hex_id(std::string_view s) {
  return s.size() >= 7 && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

GitleaksIgnore GitleaksIgnore::parse(std::string_view text) {
  GitleaksIgnore out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    // From the right: LINE, then RULE; what is left is FILE or COMMIT:FILE (a file name may hold
    // ':', a commit id never does).
    size_t c1 = line.rfind(':');
    if (c1 == std::string_view::npos || c1 == 0) continue;
    size_t c2 = line.rfind(':', c1 - 1);
    if (c2 == std::string_view::npos || c2 == 0) continue;
    GitleaksFingerprint fp;
    std::string_view number = line.substr(c1 + 1);
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), fp.line);
    if (ec != std::errc() || p != number.data() + number.size() || fp.line == 0) continue;
    fp.rule = std::string(line.substr(c2 + 1, c1 - c2 - 1));
    std::string_view rest = line.substr(0, c2);
    if (size_t c3 = rest.find(':'); c3 != std::string_view::npos && is_hex_id(rest.substr(0, c3))) {
      fp.commit = std::string(rest.substr(0, c3));
      rest.remove_prefix(c3 + 1);
    }
    if (rest.empty()) continue;
    fp.path = std::string(rest);
    out.entries_.push_back(std::move(fp));
  }
  return out;
}

Result<GitleaksIgnore> GitleaksIgnore::load(const std::string& path) {
  auto text = read_text_file(path, ".gitleaksignore");
  if (!text) return std::unexpected(text.error());
  return parse(*text);
}

const GitleaksFingerprint* GitleaksIgnore::match(const Finding& f, RelativePaths& paths) const {
  // A finding inside a container has no line of the file on disk that gitleaks could have named.
  if (f.location.chain.size() != 1 || f.location.line == 0) return nullptr;
  const std::string& rel = paths.relative(f.location.chain.front());
  const std::string& commit = f.location.git.commit;
  for (const auto& e : entries_) {
    if (e.line != f.location.line || e.path != rel) continue;
    if (!e.commit.empty() && !commit.starts_with(e.commit)) continue;
    return &e;
  }
  return nullptr;
}

}  // namespace keysweep::suppress
