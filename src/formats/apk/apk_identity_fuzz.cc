#include <cstddef>
#include <cstdint>

#include "formats/apk/apk_identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)keysweep::apk_v2v3_certificate(bytes);
  (void)keysweep::pkcs7_first_certificate(bytes);
  return 0;
}
