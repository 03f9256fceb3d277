#include "suppress/relative_path.h"

#include <filesystem>
#include <system_error>

namespace keysweep::suppress {

namespace fs = std::filesystem;

namespace {

fs::path resolve(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p.empty() ? fs::path(".") : fs::path(p), ec);
  if (ec) return fs::path(p).lexically_normal();
  fs::path canon = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : canon;
}

}  // namespace

RelativePaths::RelativePaths(const std::string& base_dir, std::string root)
    : base_(resolve(base_dir).string()), root_(std::move(root)) {}

const std::string& RelativePaths::relative(const std::string& path) {
  auto it = cache_.find(path);
  if (it != cache_.end()) return it->second;
  bool rooted = !root_.empty() && !path.empty() && path.front() != '/';
  fs::path rel = resolve(rooted ? (fs::path(root_) / path).string() : path).lexically_relative(base_);
  std::string text = rel.empty() ? path : rel.generic_string();
  return cache_.emplace(path, std::move(text)).first->second;
}

}  // namespace keysweep::suppress
