// Test helper: runs the ARSC or AXML extractor over each file given and prints what it rendered,
// one JSON object per value: {"file", "format", "symbol", "value"}, then one {"file", "notes"}.
// `--identity FILE` prints parse_manifest_identity() instead.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "formats/android_res/android_extractors.h"
#include "formats/android_res/binary_xml.h"
#include "formats/format_test_support.h"
#include "formats/labelled_text.h"

using namespace keysweep;
using format_test::read_file;

namespace {

class NullSink final : public DiagnosticSink {
 public:
  void report(Diagnostic d) override { notes.push_back(d.message); }
  std::vector<std::string> notes;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string_view(argv[1]) == "--identity") {
    std::string data = read_file(argv[2]);
    auto info = android_res::parse_manifest_identity(data);
    nlohmann::json j;
    if (!info) {
      j["error"] = info.error().message;
    } else {
      j["package"] = info->package;
      j["version_name"] = info->version_name;
      if (info->version_code) j["version_code"] = *info->version_code;
    }
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  auto arsc = make_arsc_extractor();
  auto axml = make_axml_extractor();
  Limits limits;
  for (int i = 1; i < argc; ++i) {
    std::string data = read_file(argv[i]);
    Blob blob(data, nullptr, {argv[i]});
    const Extractor* ex = arsc->sniff(blob) ? arsc.get() : axml->sniff(blob) ? axml.get() : nullptr;
    nlohmann::json summary{{"file", argv[i]}};
    if (!ex) {
      summary["error"] = "not arsc or axml";
      std::cout << summary.dump() << "\n";
      continue;
    }
    NullSink sink;
    uint64_t expanded = 0;
    ExtractContext ctx{limits, sink, &expanded};
    auto r = ex->extract(blob, ctx, [&](Blob child) {
      for (const RenderedLine& l : rendered_lines(child)) {
        nlohmann::json j{{"file", argv[i]},
                         {"format", std::string(ex->name())},
                         {"symbol", std::string(l.label)},
                         {"value", std::string(l.value)}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
    });
    if (!r) summary["error"] = r.error().message;
    summary["notes"] = sink.notes;
    std::cout << summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return 0;
}
