// `--input-list FILE`: paths to scan, one per line (`-` reads standard input). Blank lines and
// lines starting with '#' are skipped; a trailing '\r' is dropped, nothing else is trimmed, so
// paths with spaces work.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

std::vector<std::string> parse_input_list(std::istream& in);
Result<std::vector<std::string>> read_input_list(const std::string& path_or_dash);

}  // namespace keysweep
