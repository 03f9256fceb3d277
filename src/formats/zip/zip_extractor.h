// The zip extractor: APK, AAB, XAPK/APKS, JAR/AAR, IPA and plain zips are all zip containers.
// Each entry becomes a child Blob named by its entry name (`app.apk!assets/config.json`), which
// the pipeline sniffs again, so nested APKs, JARs and zips recurse under the depth limit.
// Entries are inflated in memory; nothing is ever written to disk.
#pragma once

#include <cstdint>
#include <string>

#include "formats/extractor.h"
#include "formats/zip/zip_archive.h"

namespace keysweep {

// An entry the caller has inflated already (the APK extractor reads the manifest for the app's
// identity first): the extractor takes these bytes instead of inflating the same stream again.
// They are used only for the entry with this data offset and these sizes, after every check the
// extractor makes before inflating, and only bytes that inflated completely are handed over.
struct InflatedEntry {
  uint64_t data_offset = 0;
  uint64_t compressed_size = 0;
  std::string bytes;  // exactly the declared uncompressed size
};

class ZipExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "zip"; }
  // A local header at offset 0, or an end of central directory record near the end that leads to
  // a central directory (a zip behind a prefix, e.g. a self-extractor).
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
  // The same, with one entry's bytes already inflated (nullptr: none) and, when `directory` is
  // given, the central directory read_central_directory gave for this blob with ctx's
  // max_entries (it is moved from): the APK extractor has read both for the app's identity.
  static Result<void> extract_with(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit,
                                   InflatedEntry* inflated,
                                   zip::CentralDirectory* directory = nullptr);
  // Entries read in parts (ContainerEntries): the archive's entries, each read as extract() reads it.
  Result<std::unique_ptr<ContainerEntries>> open_entries(const Blob& blob, ExtractContext& ctx,
                                                         const EmitBlob& emit) const override;
  static Result<std::unique_ptr<ContainerEntries>> open_entries_with(const Blob& blob, ExtractContext& ctx,
                                                                     const EmitBlob& emit, InflatedEntry* inflated,
                                                                     zip::CentralDirectory* directory = nullptr);
  // The raw bytes are compressed streams and headers; the children carry every readable byte.
  bool scan_raw_too() const override { return false; }
};

}  // namespace keysweep
