// Reading a small settings-like file (a baseline, an ignore file, keysweep.toml) whole, with the
// error every caller wants: what it is and which file could not be read.
#pragma once

#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

// `what` names the file's role in the error: "cannot read baseline".
Result<std::string> read_text_file(const std::string& path, std::string_view what);

}  // namespace keysweep
