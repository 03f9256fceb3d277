// The arithmetic that turns a window's findings into the file's (pipeline/window_plan.h): a
// window is scanned on its own, so its findings' offsets, lines and columns count from its first
// byte. Each window's tally of newlines and code points lets the windows after it be placed once
// the ones before are counted, whatever order the workers finished them in.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "io/utf16.h"
#include "keysweep/finding.h"
#include "pipeline/window_plan.h"

namespace keysweep {

struct WindowTally {
  uint64_t lead_newlines = 0;     // newlines in [begin, keep_begin)
  uint64_t lead_points = 0;       // code points in [begin, keep_begin)
  uint64_t kept_newlines = 0;     // newlines in [keep_begin, keep_end)
  bool kept_has_newline = false;
  uint64_t kept_tail_points = 0;  // code points after the own part's last newline (all, if none)
};

// `bytes` are the window's, [begin, end) of the file. `utf16`: the file is UTF-16 text and the
// window starts on a code unit; newlines and code points are counted in its code units (a
// byte 0x0A of another character is no newline), after its byte order mark, if it has one.
WindowTally tally_window(std::string_view bytes, const TextWindow& w, const Utf16Layout* utf16 = nullptr);

// Whether the window's own part is valid UTF-8, a character that straddles its edges counted with
// the window that holds its first byte.
bool own_part_is_valid_utf8(std::string_view bytes, const TextWindow& w);

// Fed the windows in file order, moves each window's findings to their place in the file.
class WindowPlacer {
 public:
  void place(const TextWindow& w, const WindowTally& t, std::vector<Finding>& findings);

 private:
  uint64_t newlines_ = 0;  // before the next window's own part
  uint64_t points_ = 0;    // code points from the last newline before it to its start
};

}  // namespace keysweep
