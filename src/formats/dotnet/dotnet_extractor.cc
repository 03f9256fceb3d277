#include "formats/dotnet/dotnet_extractor.h"

#include "formats/dotnet/assembly_store.h"
#include "formats/dotnet/dotnet_assembly.h"
#include "formats/labelled_text.h"

namespace keysweep {

namespace {
// Shorter strings cannot hold a credential; leaving them out keeps the rendered text small.
constexpr size_t kMinStringBytes = 8;

uint64_t budget_left(const ExtractContext& ctx) {
  uint64_t used = ctx.expanded_bytes ? *ctx.expanded_bytes : 0;
  return ctx.limits.max_total_expanded > used ? ctx.limits.max_total_expanded - used : 0;
}

Result<void> with_path(Error e, const Blob& blob) {
  e.path = blob.display_path();
  return std::unexpected(e);
}
}  // namespace

bool DotnetAssemblyExtractor::sniff(const Blob& blob) const {
  return blob.bytes().starts_with("MZ") && looks_like_dotnet_assembly(blob.bytes());
}

Result<void> DotnetAssemblyExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                              const EmitBlob& emit) const {
  auto assembly = parse_dotnet_assembly(blob.bytes(), budget_left(ctx));
  if (!assembly) return with_path(assembly.error(), blob);
  if (!assembly->tables_read) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         "metadata tables unusable (" + assembly->tables_problem +
                             "); string literals listed without their methods");
  }
  LabelledTextBuilder text;
  for (const DotnetString& s : assembly->strings) {
    if (s.value.size() >= kMinStringBytes) text.add(s.symbol, s.value);
  }
  if (text.empty()) return {};
  if (ctx.expanded_bytes) *ctx.expanded_bytes += text.size();
  emit(text.finish(blob, "strings"));
  return {};
}

bool AssemblyStoreExtractor::sniff(const Blob& blob) const {
  return blob.size() >= 20 && blob.bytes().starts_with(kAssemblyStoreMagic);
}

Result<void> AssemblyStoreExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                             const EmitBlob& emit) const {
  auto store = parse_assembly_store(blob.bytes(), ctx.limits.max_entries);
  if (!store) return with_path(store.error(), blob);
  if (!store->names_problem.empty()) {
    ctx.diagnostics.warn(DiagnosticKind::kMalformed, blob.display_path(),
                         "assembly store names unreadable (" + store->names_problem +
                             "); assemblies listed by number");
  }
  for (const AssemblyStoreEntry& e : store->entries) {
    std::string name = e.name.empty() ? "assembly #" + std::to_string(e.index) : std::string(e.name);
    emit(blob.child_view(std::move(name), e.data));
  }
  return {};
}

bool XalzExtractor::sniff(const Blob& blob) const {
  return blob.size() >= 12 && blob.bytes().starts_with(kXalzMagic);
}

Result<void> XalzExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                    const EmitBlob& emit) const {
  auto dll = decompress_xalz(blob.bytes(), std::min(ctx.limits.max_entry_size, budget_left(ctx)));
  if (!dll) return with_path(dll.error(), blob);
  if (ctx.expanded_bytes) *ctx.expanded_bytes += dll->size();
  // Named after the entry with its compression undone, so the chain reads "…!Foo.dll!Foo.dll".
  std::string name = blob.chain().back();
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  emit(blob.child(name, std::move(*dll)));
  return {};
}

}  // namespace keysweep
