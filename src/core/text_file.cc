#include "core/text_file.h"

#include <fstream>
#include <sstream>

namespace keysweep {

Result<std::string> read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read " + std::string(what), path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kIo, "cannot read " + std::string(what), path);
  return text.str();
}

Result<void> write_text_file_if_changed(const std::string& path, std::string_view text) {
  {
    std::ifstream old(path, std::ios::binary);
    std::ostringstream before;
    before << old.rdbuf();
    if (old && before.str() == text) return {};
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return make_error(ErrorCode::kIo, "cannot write", path);
  return {};
}

}  // namespace keysweep
