// A shared library opened at run time. libcurl (for --verify) and libpq (for a PostgreSQL
// datastore) serve one feature each, which most runs never use; linking them loaded about twenty
// more shared objects on every start (~10 ms of a 67 ms one-line scan, the cost a pre-commit hook
// pays on each commit). They are opened on first use instead, by their Debian soname.
#pragma once

#include <string>

#include "keysweep/error.h"

namespace keysweep {

class SharedLibrary {
 public:
  // dlopen(soname); the error names the library and why it could not be loaded (dlerror).
  static Result<SharedLibrary> open(const std::string& soname);

  // Looks up `name` into `fn` (a function pointer of the symbol's declared type, as
  // decltype(&curl_easy_init) gives it). The error names the library and the symbol.
  template <typename Fn>
  Result<void> load(const char* name, Fn& fn) const {
    auto sym = address(name);
    if (!sym) return std::unexpected(sym.error());
    fn = reinterpret_cast<Fn>(*sym);
    return {};
  }

 private:
  SharedLibrary(void* handle, std::string soname) : handle_(handle), soname_(std::move(soname)) {}
  Result<void*> address(const char* name) const;
  void* handle_;  // never closed: the library serves until the process ends
  std::string soname_;
};

}  // namespace keysweep
