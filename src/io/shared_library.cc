#include "io/shared_library.h"

#include <dlfcn.h>

namespace keysweep {

Result<SharedLibrary> SharedLibrary::open(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return make_error(ErrorCode::kUnsupported,
                      "cannot load " + soname + ": " + (why ? why : "unknown error") +
                          " (install its Debian package: scripts/install-deps)");
  }
  return SharedLibrary(handle, soname);
}

Result<void*> SharedLibrary::address(const char* name) const {
  dlerror();
  void* sym = dlsym(handle_, name);
  if (!sym) {
    const char* why = dlerror();
    return make_error(ErrorCode::kUnsupported, soname_ + " has no symbol " + name + ": " +
                                                   (why ? why : "null address"));
  }
  return sym;
}

}  // namespace keysweep
