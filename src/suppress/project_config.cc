#include "suppress/project_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/text_file.h"

namespace keysweep::suppress {

namespace fs = std::filesystem;

namespace {

using Known = std::set<std::string_view>;

// "... (line 7)": the line of the value at fault, so the user need not hunt for it.
std::string at_line(const toml::node& n, std::string message) {
  if (n.source().begin.line) message += " (line " + std::to_string(n.source().begin.line) + ")";
  return message;
}

Result<void> check_keys(const toml::table& t, const Known& known, const std::string& prefix,
                        const std::string& path) {
  for (const auto& [key, value] : t) {
    if (known.count(key.str())) continue;
    std::string name = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    std::string what = prefix.empty() ? "unknown table or key '" : "unknown key '";
    return make_error(ErrorCode::kConfig, at_line(value, what + name + "'"), path);
  }
  return {};
}

Result<std::vector<std::string>> strings(const toml::table& t, std::string_view key,
                                         const std::string& table, const std::string& path) {
  std::vector<std::string> out;
  const toml::node* node = t.get(key);
  if (!node) return out;
  auto bad = [&] {
    return make_error(ErrorCode::kConfig,
                      at_line(*node, "'" + table + "." + std::string(key) + "' must be an array of strings"),
                      path);
  };
  const auto* arr = node->as_array();
  if (!arr) return bad();
  for (const auto& v : *arr) {
    auto s = v.value<std::string>();
    if (!s) return bad();
    out.push_back(*s);
  }
  return out;
}

std::string resolve_against(const std::string& dir, const std::string& p) {
  if (p.empty() || p.front() == '/') return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

}  // namespace

Result<ProjectConfig> parse_project_config(std::string_view text, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << e.description() << " (line " << e.source().begin.line << ")";
    return make_error(ErrorCode::kConfig, msg.str(), path);
  }
  ProjectConfig c;
  c.path = path;
  c.dir = fs::path(path).parent_path().string();
  if (c.dir.empty()) c.dir = ".";
  if (auto r = check_keys(doc, {"rules", "scan", "allowlist", "suppress"}, "", path); !r)
    return std::unexpected(r.error());

  auto table = [&](const char* name) -> Result<const toml::table*> {
    const toml::node* n = doc.get(name);
    if (!n) return nullptr;
    if (!n->is_table())
      return make_error(ErrorCode::kConfig, at_line(*n, "'" + std::string(name) + "' must be a table"),
                        path);
    return n->as_table();
  };
#define KEYSWEEP_TRY(var, expr)                           \
  auto var = (expr);                                      \
  if (!var) return std::unexpected(var.error());

  KEYSWEEP_TRY(rules, table("rules"));
  if (*rules) {
    if (auto r = check_keys(**rules, {"disable", "paths"}, "rules", path); !r)
      return std::unexpected(r.error());
    KEYSWEEP_TRY(disable, strings(**rules, "disable", "rules", path));
    KEYSWEEP_TRY(paths, strings(**rules, "paths", "rules", path));
    c.disable_rules = *disable;
    for (const auto& p : *paths) c.rule_paths.push_back(resolve_against(c.dir, p));
  }
  KEYSWEEP_TRY(scan, table("scan"));
  if (*scan) {
    if (auto r = check_keys(**scan,
                            {"exclude", "max_file_size", "respect_gitignore", "include_git_dir"},
                            "scan", path);
        !r)
      return std::unexpected(r.error());
    for (auto [key, field] : {std::pair{"respect_gitignore", &c.respect_gitignore},
                              std::pair{"include_git_dir", &c.include_git_dir}}) {
      const toml::node* n = (*scan)->get(key);
      if (!n) continue;
      auto b = n->value_exact<bool>();
      if (!b) return make_error(ErrorCode::kConfig, at_line(*n, "'scan." + std::string(key) +
                                                                    "' must be true or false"), path);
      *field = *b;
    }
    KEYSWEEP_TRY(exclude, strings(**scan, "exclude", "scan", path));
    c.excludes = *exclude;
    if (const toml::node* n = (*scan)->get("max_file_size")) {
      if (auto s = n->value<std::string>()) c.max_file_size = *s;
      else if (auto i = n->value<int64_t>(); i && *i >= 0) c.max_file_size = std::to_string(*i);
      else
        return make_error(ErrorCode::kConfig,
                          at_line(*n, "'scan.max_file_size' must be a size such as \"50MiB\" or a byte count"),
                          path);
    }
  }
  KEYSWEEP_TRY(allow, table("allowlist"));
  if (*allow) {
    if (auto r = check_keys(**allow, {"secret_sha256", "secret_regex", "paths"}, "allowlist", path);
        !r)
      return std::unexpected(r.error());
    KEYSWEEP_TRY(sha, strings(**allow, "secret_sha256", "allowlist", path));
    for (std::string h : *sha) {
      std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::tolower(ch); });
      bool hex = h.size() == 64 && std::all_of(h.begin(), h.end(), [](char ch) {
                   return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                 });
      if (!hex)
        return make_error(ErrorCode::kConfig,
                          "'allowlist.secret_sha256': '" + h + "' is not 64 hex digits", path);
      c.allow_sha256.push_back(h);
    }
    KEYSWEEP_TRY(regexes, strings(**allow, "secret_regex", "allowlist", path));
    c.allow_regexes = *regexes;
    KEYSWEEP_TRY(paths, strings(**allow, "paths", "allowlist", path));
    c.allow_paths = *paths;
  }
  KEYSWEEP_TRY(suppress, table("suppress"));
  if (*suppress) {
    if (auto r = check_keys(**suppress, {"baseline", "ignore_files"}, "suppress", path); !r)
      return std::unexpected(r.error());
    if (const toml::node* n = (*suppress)->get("baseline")) {
      auto s = n->value<std::string>();
      if (!s || s->empty())
        return make_error(ErrorCode::kConfig,
                          at_line(*n, "'suppress.baseline' must be the baseline file's path"), path);
      c.baseline = resolve_against(c.dir, *s);
      c.baseline_line = static_cast<int>(n->source().begin.line);
    }
    KEYSWEEP_TRY(ignore, strings(**suppress, "ignore_files", "suppress", path));
    for (const auto& p : *ignore) c.ignore_files.push_back(resolve_against(c.dir, p));
  }
#undef KEYSWEEP_TRY
  return c;
}

Result<ProjectConfig> load_project_config(const std::string& path) {
  auto text = read_text_file(path, "config file");
  if (!text) return std::unexpected(text.error());
  return parse_project_config(*text, path);
}

std::string find_project_file(const std::vector<std::string>& scan_paths, std::string_view name) {
  if (scan_paths.empty()) return {};
  std::error_code ec;
  fs::path start = scan_paths.front();
  if (!fs::is_directory(start, ec)) start = start.parent_path();
  if (start.empty()) start = ".";
  fs::path dir = fs::weakly_canonical(fs::absolute(start, ec), ec);
  if (ec) return {};
  // Directories from the start up to the repository root; just the start outside a repository.
  std::vector<fs::path> candidates;
  for (fs::path d = dir;; d = d.parent_path()) {
    candidates.push_back(d);
    if (fs::exists(d / ".git", ec)) break;
    if (d == d.parent_path()) {
      candidates.resize(1);
      break;
    }
  }
  for (const auto& d : candidates) {
    fs::path f = d / name;
    if (fs::is_regular_file(f, ec)) {
      // Named as the user named the scanned path, when the file is right there.
      if (d == dir) return (start / name).lexically_normal().string();
      return f.string();
    }
  }
  return {};
}

}  // namespace keysweep::suppress
