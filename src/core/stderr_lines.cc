#include "core/stderr_lines.h"

#include <mutex>
#include <string>

namespace keysweep {

namespace {

std::mutex g_mu;
std::FILE* g_live_out = nullptr;
size_t g_live_width = 0;  // characters of the live line on screen; 0: none shown

void clear_live_line() {
  if (!g_live_width) return;
  std::fprintf(g_live_out, "\r%s\r", std::string(g_live_width, ' ').c_str());
  std::fflush(g_live_out);
  g_live_width = 0;
}

}  // namespace

void print_stderr_line(std::string_view line) {
  std::lock_guard lock(g_mu);
  clear_live_line();
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

void draw_live_line(std::FILE* out, std::string_view line, bool final) {
  std::lock_guard lock(g_mu);
  // Pad over the previous, longer line.
  std::string pad(g_live_width > line.size() ? g_live_width - line.size() : 0, ' ');
  std::fprintf(out, "\r%.*s%s%s", static_cast<int>(line.size()), line.data(), pad.c_str(),
               final ? "\n" : "");
  std::fflush(out);
  g_live_out = out;
  g_live_width = final ? 0 : line.size();
}

}  // namespace keysweep
