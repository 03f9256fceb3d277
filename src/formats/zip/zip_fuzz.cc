// libFuzzer target: any bytes through the zip extractor must give children, diagnostics or an
// error, never a crash, a hang or an allocation past the limits. Nested archives are opened too
// (up to a small depth), as the pipeline would.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/diagnostics.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"

namespace {

class NullSink final : public keysweep::DiagnosticSink {
 public:
  void report(keysweep::Diagnostic d) override { (void)d.to_string(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)keysweep::zip::printable_entry_name(bytes.substr(0, 64));
  keysweep::Limits limits;
  limits.max_depth = 3;
  // Small budgets keep executions fast (the nested-bomb seed would otherwise inflate 8 MiB each
  // time) while every limit path stays reachable: an entry just over the ratio floor still fits.
  limits.max_entry_size = 2ull << 20;
  limits.max_total_expanded = 4ull << 20;
  keysweep::Blob blob(bytes, nullptr, {"fuzz.zip"});
  keysweep::ZipExtractor extractor;
  NullSink sink;
  uint64_t expanded = 0;
  keysweep::ExtractContext ctx{limits, sink, &expanded};
  uint64_t checksum = 0;
  std::function<void(const keysweep::Blob&)> visit = [&](const keysweep::Blob& b) {
    if (!extractor.sniff(b)) return;
    (void)extractor.extract(b, ctx, [&](keysweep::Blob child) {
      // Touch both ends so a child view outside its parent's bytes shows up under ASan.
      std::string_view c = child.bytes();
      if (!c.empty()) checksum += static_cast<unsigned char>(c.front()) + static_cast<unsigned char>(c.back());
      if (child.depth() < limits.max_depth) visit(child);
    });
  };
  visit(blob);
  return checksum == 1 ? 1 : 0;
}
