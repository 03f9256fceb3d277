// Standard error shared by a live progress line (redrawn in place with '\r') and ordinary lines
// (warnings). Both go through here, under one lock: an ordinary line first erases the live one,
// so a warning never lands glued to the end of "…ETA 0:21", and the live line is redrawn below it
// at its next tick.
#pragma once

#include <cstdio>
#include <string_view>

namespace keysweep {

// Prints `line` and a newline on stderr, clearing the live line first if one is shown.
void print_stderr_line(std::string_view line);

// Draws the live line on `out` (a terminal), over the previous one. `final`: end it with a newline,
// leaving it in place as an ordinary line.
void draw_live_line(std::FILE* out, std::string_view line, bool final);

}  // namespace keysweep
