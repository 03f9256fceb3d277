// The files whose pages were lost under a mapping libgit2 made itself (io/bus_error_guard.h,
// input/libgit2_session.h), reported once a scan has finished with them.
#pragma once

#include "core/diagnostics.h"

namespace keysweep {

// Names each such file since the last call: what was in the lost pages was read as zeros (the
// objects there are already named as unreadable). A file now shorter than where the loss began
// was cut while read: a warning, like any file that changes under a scan; else an I/O error.
void report_foreign_mapping_faults(DiagnosticSink& diagnostics);

}  // namespace keysweep
