#include "formats/dex/dex_extractor.h"
#include "formats/dotnet/dotnet_extractor.h"
#include "formats/android_res/android_extractors.h"
#include "formats/apk/apk_identity.h"
#include "formats/elf/elf_extractor.h"
#include "formats/extractor.h"
#include "formats/hermes/hermes_extractor.h"
#include "formats/il2cpp/il2cpp_extractor.h"
#include "formats/macho/macho_extractor.h"
#include "formats/plist/plist_extractor.h"
#include "formats/zip/zip_extractor.h"

namespace keysweep {

const std::vector<std::unique_ptr<Extractor>>& extractor_registry() {
  static const std::vector<std::unique_ptr<Extractor>> registry = [] {
    std::vector<std::unique_ptr<Extractor>> r;
    // Formats are added here, one line each, most specific magic first.
    r.push_back(std::make_unique<DexExtractor>());
    r.push_back(make_arsc_extractor());
    r.push_back(make_axml_extractor());
    r.push_back(std::make_unique<ElfExtractor>());
    r.push_back(std::make_unique<MachOExtractor>());
    r.push_back(std::make_unique<HermesExtractor>());
    r.push_back(std::make_unique<AssemblyStoreExtractor>());
    r.push_back(std::make_unique<XalzExtractor>());
    r.push_back(std::make_unique<DotnetAssemblyExtractor>());
    r.push_back(std::make_unique<Il2CppMetadataExtractor>());
    r.push_back(std::make_unique<PlistExtractor>());
    // By name (.strings): after every format with magic bytes, so a binary-plist .strings is a plist.
    r.push_back(std::make_unique<StringsExtractor>());
    // A zip with Payload/<Name>.app/Info.plist: before the zip extractor, which it then runs.
    r.push_back(std::make_unique<IpaExtractor>());
    // An APK is a zip with AndroidManifest.xml: it must be tried before the plain zip.
    r.push_back(std::make_unique<ApkExtractor>());
    // Last: its end-record check is the least specific magic.
    r.push_back(std::make_unique<ZipExtractor>());
    return r;
  }();
  return registry;
}

}  // namespace keysweep
