// keysweep_context_candidates FILE|DIR...: every context candidate in the given files as JSON
// lines (path, 1-based line, byte column of the value, name, class, syntax, value length, score,
// the feature vector and each feature's share of the score). It is how scripts/train_context_model.py sees exactly the features the
// scanner computes; values are never printed, only their length.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "context/assignment_reader.h"
#include "context/features.h"
#include "context/scorer.h"

namespace {

void json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\'), out.push_back(static_cast<char>(c));
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out.push_back(static_cast<char>(c));
  }
  out.push_back('"');
}

void scan_file(const std::filesystem::path& path) {
  namespace c = keysweep::context;
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<c::Assignment> found;
  c::read_assignments(text, found, c::could_name_credential);
  const c::FileKind kind = c::classify_path(path.string());
  c::FeatureVector f;
  // Assignments come line by line, so lines are counted on from the previous one.
  size_t line = 1, line_start = 0, counted = 0;
  for (const c::Assignment& a : found) {
    c::NameClass cls = c::compute_features(a, kind, f);
    if (cls == c::NameClass::kNone) continue;
    for (; counted < a.value_offset; ++counted)
      if (text[counted] == '\n') ++line, line_start = counted + 1;
    std::string out = "{\"path\":";
    json_string(path.string(), out);
    out += ",\"line\":" + std::to_string(line) + ",\"column\":" + std::to_string(a.value_offset - line_start) +
           ",\"length\":" + std::to_string(a.value.size()) + ",\"name\":";
    json_string(a.name.substr(0, 80), out);
    out += std::string(",\"class\":\"") + (cls == c::NameClass::kPassword ? "password" : "secret") +
           "\",\"syntax\":\"" + c::syntax_name(a.syntax) + "\",\"probability\":" +
           std::to_string(c::score(c::builtin_scorer_model(), f).probability) + ",\"features\":{";
    for (size_t i = 0; i < c::kFeatureCount; ++i) {
      if (i) out += ",";
      // %.9g: every float exactly, so training sees the values the scanner compares.
      char num[32];
      std::snprintf(num, sizeof num, "%.9g", static_cast<double>(f[i]));
      out += "\"" + std::string(c::feature_name(static_cast<c::Feature>(i))) + "\":" + num;
    }
    // Each feature's share of the logit, strongest first: what the scanner would give as signals.
    out += "},\"contributions\":[";
    auto contrib = c::strongest_contributions(c::builtin_scorer_model(), f, c::kFeatureCount);
    for (size_t k = 0; k < contrib.size(); ++k) {
      char num[32];
      std::snprintf(num, sizeof num, "%.3f", contrib[k].logit);
      out += (k ? ",[" : "[");
      json_string(c::signal_text(contrib[k]), out);
      out += std::string(",") + num + "]";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2) {
    std::fprintf(stderr, "usage: keysweep_context_candidates FILE|DIR...\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (fs::is_directory(argv[i], ec)) {
      for (auto it = fs::recursive_directory_iterator(argv[i], ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file(ec)) scan_file(it->path());
    } else {
      scan_file(argv[i]);
    }
  }
  return 0;
}
