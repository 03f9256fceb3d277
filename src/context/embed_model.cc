// Build step: checks the scoring model file with the same parser the binary uses, so a missing or
// malformed model fails the build naming the file and line, and writes the parsed model as C++
// data: the binary then builds it with no parsing (builtin_model.cc). Doubles are written as hex
// floats, so the data is the parser's result bit for bit.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "context/scorer.h"
#include "core/text_file.h"

namespace {

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: keysweep_embed_model OUT.cc MODEL.txt\n");
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read the scoring model\n", argv[2]);
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = keysweep::context::parse_scorer_model(text.str(), argv[2]);
  if (!parsed) {
    std::fprintf(stderr, "%s: %s\n", argv[2], parsed.error().message.c_str());
    return 1;
  }
  const keysweep::context::ScorerModel& m = *parsed;
  std::ostringstream out;
  out << "// Generated from " << argv[2] << " by keysweep_embed_model; do not edit.\n"
      << "#include <iterator>\n\n#include \"context/scorer.h\"\n\n"
      << "namespace keysweep::context {\n\n"
      << "ScorerModel builtin_scorer_model_data() {\n"
      << "  static const TreeNode kNodes[] = {\n";
  for (const auto& n : m.nodes)
    out << "      {" << n.feature << ", " << n.left << ", " << n.right << ", " << hex(n.threshold)
        << ", " << hex(n.value) << "},\n";
  if (m.nodes.empty()) out << "      {},\n";  // no zero-length arrays
  out << "  };\n  static const uint32_t kRoots[] = {";
  for (size_t i = 0; i < m.tree_roots.size(); ++i) out << (i ? ", " : "") << m.tree_roots[i];
  if (m.tree_roots.empty()) out << "0";
  out << "};\n  ScorerModel m;\n  m.bias = " << hex(m.bias) << ";\n  m.weights = {";
  for (size_t i = 0; i < m.weights.size(); ++i) out << (i ? ", " : "") << hex(m.weights[i]);
  out << "};\n";
  if (!m.nodes.empty()) out << "  m.nodes.assign(std::begin(kNodes), std::end(kNodes));\n";
  if (!m.tree_roots.empty()) out << "  m.tree_roots.assign(std::begin(kRoots), std::end(kRoots));\n";
  out << "  m.report = " << hex(m.report) << ";\n  m.medium = " << hex(m.medium)
      << ";\n  m.high = " << hex(m.high) << ";\n  flatten_scorer_trees(m);\n  return m;\n}\n\n"
      << "}  // namespace keysweep::context\n";
  if (auto written = keysweep::write_text_file_if_changed(argv[1], out.str()); !written) {
    std::fprintf(stderr, "%s: cannot write\n", argv[1]);
    return 1;
  }
  return 0;
}
