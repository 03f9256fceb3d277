#include "formats/hermes/hermes_extractor.h"

#include "formats/hermes/hermes_file.h"
#include "formats/labelled_text.h"
#include "io/byte_reader.h"
#include "io/utf16.h"

namespace keysweep {

namespace {
// Shorter strings cannot hold a credential; leaving them out keeps the rendered text small.
constexpr size_t kMinStringBytes = 8;
}  // namespace

bool HermesExtractor::sniff(const Blob& blob) const {
  auto magic = ByteReader(blob.bytes()).le_at<uint64_t>(0);
  return magic && (*magic == kHermesMagic || *magic == ~kHermesMagic);
}

Result<void> HermesExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                      const EmitBlob& emit) const {
  auto file = parse_hermes(blob.bytes());
  if (!file) {
    Error e = file.error();
    e.path = blob.display_path();
    return std::unexpected(e);
  }
  if (file->file_length > blob.size()) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         "truncated Hermes bytecode: the header says " +
                             std::to_string(file->file_length) + " bytes, the file has " +
                             std::to_string(blob.size()));
  }
  if (file->bad_entries > 0) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         std::to_string(file->bad_entries) +
                             " string-table entries point outside the string storage; skipped");
  }
  // Entries may overlap (hostile tables can point many ids at one large range), so the rendered
  // size is charged to the input's expansion budget as it grows, not after.
  const uint64_t budget = ctx.limits.max_total_expanded;
  uint64_t used = ctx.expanded_bytes ? *ctx.expanded_bytes : 0;
  LabelledTextBuilder text;
  for (size_t i = 0; i < file->strings.size(); ++i) {
    const HermesString& s = file->strings[i];
    if (s.raw.size() < kMinStringBytes) continue;
    std::string value = s.utf16 ? utf16le_to_utf8(s.raw) : latin1_to_utf8(s.raw);
    if (value.size() < kMinStringBytes) continue;
    used += value.size() + 32;
    if (used > budget) {
      return make_error(ErrorCode::kLimit,
                        "Hermes strings expand past the limit of " + std::to_string(budget) + " bytes",
                        blob.display_path());
    }
    text.add("hermes string #" + std::to_string(i), value);
  }
  if (ctx.expanded_bytes) *ctx.expanded_bytes += text.size();
  if (!text.empty()) emit(text.finish(blob, "strings"));
  return {};
}

}  // namespace keysweep
