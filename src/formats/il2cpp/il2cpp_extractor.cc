#include "formats/il2cpp/il2cpp_extractor.h"

#include <algorithm>

#include "formats/il2cpp/il2cpp_metadata.h"
#include "formats/labelled_text.h"
#include "io/byte_reader.h"

namespace keysweep {

namespace {
// Shorter strings cannot hold a credential; leaving them out keeps the rendered text small.
constexpr size_t kMinStringBytes = 8;
}  // namespace

bool Il2CppMetadataExtractor::sniff(const Blob& blob) const {
  auto sanity = ByteReader(blob.bytes()).le_at<uint32_t>(0);
  return sanity && *sanity == kIl2CppSanity;
}

Result<void> Il2CppMetadataExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                              const EmitBlob& emit) const {
  auto md = parse_il2cpp_metadata(blob.bytes());
  if (!md) {
    Error e = md.error();
    e.path = blob.display_path();
    return std::unexpected(e);
  }
  if (md->bad_literals > 0) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         std::to_string(md->bad_literals) +
                             " string literals lie outside the literal data; skipped");
  }
  // Literals may overlap in a hostile table, so the rendered size is charged as it grows.
  uint64_t used = ctx.expanded_bytes ? *ctx.expanded_bytes : 0;
  LabelledTextBuilder text;
  for (size_t i = 0; i < md->literals.size(); ++i) {
    std::string_view lit = md->literals[i];
    if (lit.size() < kMinStringBytes) continue;
    used += lit.size() + 32;
    if (used > ctx.limits.max_total_expanded)
      return make_error(ErrorCode::kLimit,
                        "IL2CPP literals expand past the limit of " +
                            std::to_string(ctx.limits.max_total_expanded) + " bytes",
                        blob.display_path());
    text.add("il2cpp literal #" + std::to_string(i), lit);
  }
  if (ctx.expanded_bytes) *ctx.expanded_bytes += text.size();
  if (!text.empty()) emit(text.finish(blob, "string literals"));

  // Default values are length-prefixed values side by side; NULs in the prefixes become line
  // breaks, so each string stands on its own as in a config file.
  if (md->default_values.size() >= kMinStringBytes) {
    std::string values(md->default_values);
    std::replace(values.begin(), values.end(), '\0', '\n');
    if (ctx.expanded_bytes) *ctx.expanded_bytes += values.size();
    Blob child = blob.child("default values", std::move(values));
    child.set_meaningful_lines(false);
    child.segments().push_back({0, "il2cpp field/parameter default values"});
    emit(std::move(child));
  }
  return {};
}

}  // namespace keysweep
