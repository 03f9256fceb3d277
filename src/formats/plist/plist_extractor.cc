#include "formats/plist/plist_extractor.h"

#include <string>

#include "formats/labelled_text.h"
#include "formats/plist/mobileprovision.h"
#include "formats/plist/plist_document.h"
#include "formats/plist/strings_file.h"
#include "formats/zip/zip_archive.h"
#include "formats/zip/zip_extractor.h"

namespace keysweep {

namespace {

Error named(Error e, const Blob& blob) {
  e.message = std::string(chain_file_name(blob)) + ": " + e.message;
  if (e.path.empty()) e.path = blob.display_path();
  return e;
}

plist::PlistLimits plist_limits(const Limits& limits) {
  plist::PlistLimits p;
  p.max_text = std::min<uint64_t>(p.max_text * 8, limits.max_entry_size);
  return p;
}

// Info.plist of the main app: "Payload/<Name>.app/Info.plist", nothing deeper.
bool is_main_info_plist(std::string_view name, std::string_view& app_dir) {
  constexpr std::string_view kPayload = "Payload/", kInfo = "/Info.plist";
  if (!name.starts_with(kPayload) || !name.ends_with(kInfo)) return false;
  std::string_view dir = name.substr(0, name.size() - kInfo.size());
  if (dir.size() <= kPayload.size() || dir.find('/', kPayload.size()) != std::string_view::npos ||
      !dir.ends_with(".app"))
    return false;
  app_dir = dir;
  return true;
}

}  // namespace

std::string_view chain_file_name(const Blob& blob) {
  if (blob.chain().empty()) return {};
  std::string_view last = blob.chain().back();
  size_t slash = last.find_last_of("/\\");
  return slash == std::string_view::npos ? last : last.substr(slash + 1);
}

bool PlistExtractor::sniff(const Blob& blob) const {
  return plist::is_binary_plist(blob.bytes()) || plist::is_xml_plist(blob.bytes());
}

Result<void> PlistExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                     const EmitBlob& emit) const {
  auto leaves = plist::plist_leaves(blob.bytes(), plist_limits(ctx.limits));
  if (!leaves) return std::unexpected(named(leaves.error(), blob));
  const std::string file(chain_file_name(blob));
  LabelledTextBuilder text;
  for (const plist::PlistLeaf& leaf : *leaves) {
    if (leaf.kind == plist::PlistLeaf::Kind::kDate) continue;
    if (leaf.kind == plist::PlistLeaf::Kind::kData && !plist::is_printable_text(leaf.value)) continue;
    text.add(leaf.path.empty() ? file : file + ":" + leaf.path, leaf.value);
  }
  if (!text.empty()) emit(text.finish(blob, "values"));
  return {};
}

bool StringsExtractor::sniff(const Blob& blob) const {
  return chain_file_name(blob).ends_with(".strings") && !plist::is_binary_plist(blob.bytes());
}

Result<void> StringsExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                       const EmitBlob& emit) const {
  if (blob.size() > ctx.limits.max_entry_size)
    return make_error(ErrorCode::kLimit, "too large for a .strings file", blob.display_path());
  const bool utf16 = plist::looks_like_utf16_text(blob.bytes());
  std::string utf8 = plist::strings_text_to_utf8(blob.bytes());
  auto entries = plist::parse_strings_text(utf8, ctx.limits.max_strings);
  if (!entries) {
    // Not the pairs a .strings file should hold. UTF-8 text is scanned raw by the pipeline; UTF-16
    // would then match nothing, so it is handed on converted.
    if (!utf16) return std::unexpected(named(entries.error(), blob));
    ctx.diagnostics.error(named(entries.error(), blob), Severity::kWarning);
    emit(blob.child("(utf-8)", std::move(utf8)));
    return {};
  }
  const std::string file(chain_file_name(blob));
  LabelledTextBuilder text;
  for (const plist::StringsEntry& e : *entries) text.add(file + ":" + e.key, e.value);
  if (!text.empty()) emit(text.finish(blob, "values"));
  return {};
}

bool IpaExtractor::sniff(const Blob& blob) const {
  // IPAs are never self-extracting: a local header at 0 rules out every other blob cheaply.
  if (!zip::starts_with_local_header(blob.bytes())) return false;
  auto loc = zip::locate_central_directory(blob.bytes());
  if (!loc) return false;
  std::string_view app_dir;
  return zip::any_central_name(blob.bytes(), *loc, Limits{}.max_entries, [&](std::string_view name) {
    return is_main_info_plist(name, app_dir);
  });
}

AppIdentity read_ipa_identity(std::string_view ipa, const std::string& path, const Limits& limits,
                              DiagnosticSink& diagnostics) {
  AppIdentity id;
  id.platform = "ios";
  auto loc = zip::locate_central_directory(ipa);
  if (!loc) return id;
  zip::CentralDirectory cd = zip::read_central_directory(ipa, *loc, limits.max_entries);
  const zip::ZipEntry* info = nullptr;
  std::string_view app_dir;
  for (const zip::ZipEntry& e : cd.entries) {
    if (is_main_info_plist(e.raw_name, app_dir)) {
      info = &e;
      break;
    }
  }
  if (!info) return id;
  const zip::ZipEntry* profile = nullptr;
  const std::string profile_name = std::string(app_dir) + "/embedded.mobileprovision";
  for (const zip::ZipEntry& e : cd.entries)
    if (e.raw_name == profile_name) profile = &e;

  // Info.plist and the profile are a few kilobytes; a larger one is not worth reading twice.
  const uint64_t max_size = std::min<uint64_t>(limits.max_entry_size, 16u << 20);
  auto warn = [&](const std::string& entry, const Error& e) {
    diagnostics.warn(diagnostic_kind_for(e.code), path + "!" + entry,
                     "app identity not read: " + e.message);
  };
  if (auto bytes = zip::read_entry_data(ipa, *info, max_size, limits.max_compression_ratio); !bytes) {
    warn(info->raw_name, bytes.error());
  } else if (auto leaves = plist::plist_leaves(*bytes); !leaves) {
    warn(info->raw_name, leaves.error());
  } else {
    std::string short_version, build;
    for (const plist::PlistLeaf& l : *leaves) {
      if (l.kind != plist::PlistLeaf::Kind::kString) continue;
      if (l.path == "CFBundleIdentifier") id.package = l.value;
      else if (l.path == "CFBundleShortVersionString") short_version = l.value;
      else if (l.path == "CFBundleVersion") build = l.value;
    }
    // "2.3.1 (417)": the marketing version and the build number, as App Store Connect shows them.
    id.version = short_version;
    if (!build.empty() && build != short_version)
      id.version = short_version.empty() ? build : short_version + " (" + build + ")";
  }
  if (profile) {
    if (auto bytes = zip::read_entry_data(ipa, *profile, max_size, limits.max_compression_ratio); !bytes) {
      warn(profile->raw_name, bytes.error());
    } else if (auto p = plist::parse_provisioning_profile(*bytes); !p) {
      warn(profile->raw_name, p.error());
    } else {
      id.team_id = p->team_id;
      id.signer_sha256 = p->developer_cert_sha256;
    }
  }
  return id;
}

namespace {

Blob with_ipa_identity(const Blob& blob, ExtractContext& ctx) {
  Blob app = blob;
  app.set_app(std::make_shared<const AppIdentity>(
      read_ipa_identity(blob.bytes(), blob.display_path(), ctx.limits, ctx.diagnostics)));
  return app;
}

}  // namespace

Result<void> IpaExtractor::extract(const Blob& blob, ExtractContext& ctx,
                                   const EmitBlob& emit) const {
  return ZipExtractor().extract(with_ipa_identity(blob, ctx), ctx, emit);
}

Result<std::unique_ptr<ContainerEntries>> IpaExtractor::open_entries(const Blob& blob, ExtractContext& ctx,
                                                                     const EmitBlob& emit) const {
  return ZipExtractor().open_entries(with_ipa_identity(blob, ctx), ctx, emit);
}

}  // namespace keysweep
