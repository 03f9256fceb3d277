#include "suppress/ignore_list.h"

#include <fnmatch.h>

#include "core/text_file.h"

namespace keysweep::suppress {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(i, slash - i);
    if (!seg.empty() && seg != ".") out.push_back(seg);
    i = slash + 1;
  }
  return out;
}

bool glob_path_match(const std::vector<std::string>& pattern,
                     const std::vector<std::string_view>& path, size_t path_count) {
  // match[p][s]: pattern segments from p match path segments from s. Filled backwards, so `**`
  // costs a table, not exponential backtracking.
  const size_t np = pattern.size(), ns = path_count;
  std::vector<char> match((np + 1) * (ns + 1), 0);
  auto at = [&](size_t p, size_t s) -> char& { return match[p * (ns + 1) + s]; };
  at(np, ns) = 1;
  std::string seg;
  for (size_t p = np; p-- > 0;) {
    for (size_t s = ns + 1; s-- > 0;) {
      if (pattern[p] == "**") {
        at(p, s) = at(p + 1, s) || (s < ns && at(p, s + 1));
      } else if (s < ns) {
        seg.assign(path[s]);
        at(p, s) = at(p + 1, s + 1) && fnmatch(pattern[p].c_str(), seg.c_str(), 0) == 0;
      }
    }
  }
  return at(0, 0);
}

Result<void> IgnoreList::add(std::string_view line, const std::string& source, int line_number) {
  // Trailing whitespace is not part of a pattern (unless escaped, which nobody does for paths).
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return {};
  Pattern p;
  if (line.front() == '!') {
    p.negate = true;
    line.remove_prefix(1);
  } else if (line.front() == '\\' && line.size() > 1 && (line[1] == '#' || line[1] == '!')) {
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    p.dir_only = true;
    line.remove_suffix(1);
  }
  // A slash at the start or in the middle anchors the pattern at the base directory; without one
  // it matches at any depth, like "**/pattern".
  const bool anchored = line.find('/') != std::string_view::npos;
  for (std::string_view seg : split_path(line)) p.segments.emplace_back(seg);
  if (p.segments.empty()) {
    std::string where = line_number ? source + ":" + std::to_string(line_number) : source;
    return make_error(ErrorCode::kConfig, "empty path pattern", where);
  }
  if (!anchored) p.segments.insert(p.segments.begin(), "**");
  patterns_.push_back(std::move(p));
  return {};
}

Result<IgnoreList> IgnoreList::parse(std::string_view text, const std::string& source) {
  IgnoreList list;
  int number = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    ++number;
    auto r = list.add(text.substr(i, nl - i), source, number);
    if (!r) return std::unexpected(r.error());
    i = nl + 1;
  }
  return list;
}

Result<IgnoreList> IgnoreList::load(const std::string& path) {
  auto text = read_text_file(path, "ignore file");
  if (!text) return std::unexpected(text.error());
  return parse(*text, path);
}

int IgnoreList::verdict(const std::vector<std::string_view>& segments, size_t count,
                        bool is_dir) const {
  for (size_t i = patterns_.size(); i-- > 0;) {
    const Pattern& p = patterns_[i];
    if (p.dir_only && !is_dir) continue;
    if (glob_path_match(p.segments, segments, count)) return p.negate ? 0 : 1;
  }
  return -1;
}

bool IgnoreList::ignored(std::string_view relative_path) const {
  if (patterns_.empty()) return false;
  auto segments = split_path(relative_path);
  if (segments.empty()) return false;
  for (auto seg : segments)
    if (seg == "..") return false;
  // As in git: once a directory is ignored, nothing under it comes back.
  for (size_t depth = 1; depth < segments.size(); ++depth)
    if (verdict(segments, depth, /*is_dir=*/true) == 1) return true;
  return verdict(segments, segments.size(), /*is_dir=*/false) == 1;
}

}  // namespace keysweep::suppress
