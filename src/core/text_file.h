// Reading a small settings-like file (a baseline, an ignore file, keysweep.toml) whole, with the
// error every caller wants: what it is and which file could not be read.
#pragma once

#include <string>
#include <string_view>

#include "keysweep/error.h"

namespace keysweep {

// `what` names the file's role in the error: "cannot read baseline".
Result<std::string> read_text_file(const std::string& path, std::string_view what);

// Writes `text` to `path` unless the file already holds exactly that: the build's generators
// (embedded rules, model, database) use it so an unchanged input rebuilds nothing downstream.
Result<void> write_text_file_if_changed(const std::string& path, std::string_view text);

}  // namespace keysweep
