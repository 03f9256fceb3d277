// libFuzzer target: the binary XML parser, its extractor and the manifest identity reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/android_res/android_extractors.h"
#include "formats/android_res/binary_xml.h"

namespace {
class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const auto extractor = make_axml_extractor();
  Limits limits;
  limits.max_strings = 1 << 16;
  limits.max_entry_size = 1 << 20;  // keeps rendered text, and so RSS, small
  NullSink sink;
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  Blob blob(bytes, nullptr, {"fuzz.xml"});
  (void)android_res::parse_manifest_identity(bytes);
  if (extractor->sniff(blob)) (void)extractor->extract(blob, ctx, [](Blob) {});
  return 0;
}
