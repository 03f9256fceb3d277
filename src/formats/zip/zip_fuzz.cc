// libFuzzer target: any bytes through the zip extractor must give children, diagnostics or an
// error, never a crash, a hang or an allocation past the limits. Nested archives are opened too
// (up to a small depth), as the pipeline would. And the archive read in parts (open_entries, as
// the pipeline reads a large container on several workers) gives what extract() gives.
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "formats/fuzz_harness.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"

namespace {

using namespace keysweep;

// Children and diagnostics in the order they came, as text. `entry_problems`: what arrives is an
// entry problem (ContainerEntries::read), kept only while the archive's cap on them lasts.
struct Transcript {
  std::vector<std::string> lines;
  size_t problem_reports_left = SIZE_MAX;
  class Sink final : public DiagnosticSink {
   public:
    Sink(Transcript& t, bool entry_problems) : t_(t), problems_(entry_problems) {}
    void report(Diagnostic d) override {
      if (problems_) {
        if (t_.problem_reports_left == 0) return;
        --t_.problem_reports_left;
      }
      t_.lines.push_back("D " + d.to_string());
    }

   private:
    Transcript& t_;
    bool problems_;
  };
  void child(const Blob& b) {
    std::string_view bytes = b.bytes();
    lines.push_back("C " + b.display_path() + " " + std::to_string(bytes.size()) + " " +
                    (bytes.empty() ? "" : std::to_string(int(bytes.front())) + "," + std::to_string(int(bytes.back()))));
  }
};

// With no total expansion limit, which one pass applies in order and parts cannot (the pipeline
// sends a container back to one worker when a part hits a limit); each entry is still bounded by
// the per-entry size and ratio limits.
void check_parts_read_as_whole(std::string_view bytes, Limits limits) {
  limits.max_total_expanded = kNoSizeLimit;
  const ZipExtractor zip{};
  const Blob blob(bytes, nullptr, {"fuzz.zip"});
  if (!zip.sniff(blob)) return;
  Transcript whole;
  Transcript::Sink whole_sink(whole, false);
  uint64_t whole_expanded = 0;
  ExtractContext whole_ctx{limits, whole_sink, &whole_expanded};
  auto w = zip.extract(blob, whole_ctx, [&](Blob c) { whole.child(c); });

  Transcript parts;
  Transcript::Sink sink(parts, false), problems(parts, true);
  uint64_t expanded = 0;
  ExtractContext ctx{limits, sink, &expanded};
  auto entries = zip.open_entries(blob, ctx, [&](Blob c) { parts.child(c); });
  if (w.has_value() != entries.has_value()) std::abort();
  if (!entries) return;
  const ContainerEntries& e = **entries;
  parts.problem_reports_left = e.problem_reports_left();
  ExtractContext part_ctx{limits, problems, &expanded};
  size_t found = 0;
  const size_t n = e.size(), cuts[] = {0, n / 3, 2 * n / 3, n};
  for (int i = 0; i < 3; ++i) found += e.read(cuts[i], cuts[i + 1], part_ctx, [&](Blob c) { parts.child(c); });
  parts.problem_reports_left = SIZE_MAX;
  e.finish(ctx, found);
  if (parts.lines != whole.lines || expanded != whole_expanded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keysweep;
  const std::string_view bytes = fuzz::as_bytes(data, size);
  (void)zip::printable_entry_name(bytes.substr(0, 64));
  fuzz::Harness h;
  h.limits.max_depth = 3;
  // Small budgets keep executions fast (the nested-bomb seed would otherwise inflate 8 MiB each
  // time) while every limit path stays reachable: an entry just over the ratio floor still fits.
  h.limits.max_entry_size = 2ull << 20;
  h.limits.max_total_expanded = 4ull << 20;
  const ZipExtractor extractor{};
  std::function<void(Blob)> nested = [&](Blob child) {
    h.touch(child);
    if (child.depth() < h.limits.max_depth) h.run(extractor, child, nested);
  };
  h.run(extractor, Blob(bytes, nullptr, {"fuzz.zip"}), nested);
  check_parts_read_as_whole(bytes, h.limits);
  return 0;
}
