// Mach-O string extraction (iOS app binaries, frameworks, dylibs; thin or universal): C strings,
// UTF-16 strings, Objective-C/CoreFoundation constant strings (@"..."), and printable runs in
// __const data, rendered as one labelled text child named "strings". A string present in several
// slices of a universal binary appears once, labelled with every slice that holds it:
// `_kTwilioAuthToken [arm64, x86_64]`, `__TEXT,__cstring [arm64]`.
#pragma once

#include <string>
#include <vector>

#include "formats/extractor.h"
#include "formats/macho/macho_file.h"

namespace keysweep {

struct MachOString {
  std::string key;                  // the symbol holding or pointing to it, else "segment,section"
  std::string value;                // UTF-8
  std::vector<std::string> slices;  // arch names, in slice order
};

struct MachOStrings {
  std::vector<MachOString> strings;  // in first-seen order
  std::vector<std::string> encrypted_slices;
  bool budget_exhausted = false;
};

// The strings of every slice, deduplicated by content.
MachOStrings collect_macho_strings(const MachOFile& file);

class MachOExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "macho"; }
  bool sniff(const Blob& blob) const override;
  Result<void> extract(const Blob& blob, ExtractContext& ctx, const EmitBlob& emit) const override;
};

}  // namespace keysweep
