#include "input/input_list.h"

#include <fstream>
#include <iostream>

namespace keysweep {

std::vector<std::string> parse_input_list(std::istream& in) {
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    out.push_back(line);
  }
  return out;
}

Result<std::vector<std::string>> read_input_list(const std::string& path) {
  if (path == "-") return parse_input_list(std::cin);
  std::ifstream in(path);
  if (!in) return make_error(ErrorCode::kIo, "cannot open input list", path);
  return parse_input_list(in);
}

}  // namespace keysweep
