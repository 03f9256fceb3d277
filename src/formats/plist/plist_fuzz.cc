// Plists (XML and binary), .strings text, provisioning profiles and an IPA's identity from
// arbitrary bytes: every entry point sees every input, so one corpus covers them all.
#include "formats/fuzz_harness.h"
#include "formats/plist/mobileprovision.h"
#include "formats/plist/plist_extractor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  const std::string_view bytes = fuzz::as_bytes(data, size);
  fuzz::Harness h;
  const Blob blob(bytes, nullptr, {"fuzz.ipa", "Payload/F.app/Info.plist"});
  h.run(PlistExtractor(), blob);
  h.run(StringsExtractor(), Blob(bytes, nullptr, {"fuzz.ipa", "en.lproj/Localizable.strings"}));
  if (auto p = plist::parse_provisioning_profile(bytes)) h.total += p->team_id.size();
  if (IpaExtractor().sniff(blob)) {
    // Small budgets keep executions fast, as in the zip fuzz target.
    Limits small;
    small.max_entry_size = 1 << 20;
    small.max_entries = 1000;
    h.total += read_ipa_identity(bytes, "fuzz.ipa", small, h.sink).package.size();
  }
  return 0;
}
