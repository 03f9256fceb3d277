// Plists (XML and binary), .strings text, provisioning profiles and an IPA's identity from
// arbitrary bytes: every entry point sees every input, so one corpus covers them all.
#include <cstddef>
#include <cstdint>

#include "core/diagnostics.h"
#include "formats/plist/mobileprovision.h"
#include "formats/plist/plist_extractor.h"

namespace {
class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  NullSink sink;
  keysweep::Limits limits;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  size_t total = 0;
  auto count = [&](keysweep::Blob child) {
    total += child.size();
    for (const auto& s : child.segments()) total += s.label.size();
  };
  keysweep::Blob blob(bytes, nullptr, {"fuzz.ipa", "Payload/F.app/Info.plist"});
  keysweep::PlistExtractor plist;
  if (plist.sniff(blob)) (void)plist.extract(blob, ctx, count);
  keysweep::Blob strings(bytes, nullptr, {"fuzz.ipa", "en.lproj/Localizable.strings"});
  keysweep::StringsExtractor strings_ex;
  if (strings_ex.sniff(strings)) (void)strings_ex.extract(strings, ctx, count);
  if (auto p = keysweep::plist::parse_provisioning_profile(bytes)) total += p->team_id.size();
  keysweep::IpaExtractor ipa;
  if (ipa.sniff(blob)) {
    // Small budgets keep executions fast, as in the zip fuzz target.
    keysweep::Limits small;
    small.max_entry_size = 1 << 20;
    small.max_entries = 1000;
    total += keysweep::read_ipa_identity(bytes, "fuzz.ipa", small, sink).package.size();
  }
  return 0;
}
