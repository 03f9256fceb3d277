#include "formats/dex/dex_extractor.h"
#include "formats/extractor.h"

namespace keysweep {

const std::vector<std::unique_ptr<Extractor>>& extractor_registry() {
  static const std::vector<std::unique_ptr<Extractor>> registry = [] {
    std::vector<std::unique_ptr<Extractor>> r;
    // Formats are added here, one line each, most specific magic first.
    r.push_back(std::make_unique<DexExtractor>());
    return r;
  }();
  return registry;
}

}  // namespace keysweep
