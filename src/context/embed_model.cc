// Build step: checks the scoring model file with the same parser the binary uses and writes it
// into a source file, so a missing or malformed model fails the build, naming the file and line.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "context/scorer.h"
#include "core/text_file.h"

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
  auto model = keysweep::context::parse_scorer_model(text.str(), argv[2]);
  if (!model) {
    std::fprintf(stderr, "%s: %s\n", argv[2], model.error().message.c_str());
    return 1;
  }
  std::ostringstream out;
  out << "// Generated from " << argv[2] << " by keysweep_embed_model; do not edit.\n"
      << "#include <string_view>\n"
      << "namespace keysweep::context {\n"
      << "extern const std::string_view kBuiltinScorerModel;\n"
      << "const std::string_view kBuiltinScorerModel = R\"ksmodel(" << text.str() << ")ksmodel\";\n"
      << "}  // namespace keysweep::context\n";
  if (auto written = keysweep::write_text_file_if_changed(argv[1], out.str()); !written) {
    std::fprintf(stderr, "%s: cannot write\n", argv[1]);
    return 1;
  }
  return 0;
}
