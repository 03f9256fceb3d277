#include "io/file_faults.h"

namespace keysweep {

namespace {
const FileFaults* g_faults = nullptr;
}  // namespace

void set_file_faults(const FileFaults* faults) { g_faults = faults; }
const FileFaults* file_faults() { return g_faults; }

}  // namespace keysweep
