#include "pipeline/foreign_mapping_faults.h"

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "io/bus_error_guard.h"

namespace keysweep {

void report_foreign_mapping_faults(DiagnosticSink& diagnostics) {
  for (const ForeignMappingFault& f : BusErrorGuard::take_foreign_faults()) {
    struct stat st;
    const std::string from =
        "libgit2's mapping of it read zeros from byte " + std::to_string(f.offset) + " on";
    if (stat(f.path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) <= f.offset)
      diagnostics.warn(DiagnosticKind::kChanged, f.path,
                       "shrank while read: " + std::to_string(st.st_size) + " bytes now; " + from);
    else
      diagnostics.report(
          {Severity::kError, DiagnosticKind::kUnreadable, f.path,
           "cannot read: a page of the mapped file could not be read (an I/O error); " + from});
  }
}

}  // namespace keysweep
