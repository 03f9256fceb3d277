// Factories of the individual reporters; registry.cc maps format names to them.
#pragma once

#include "report/reporter.h"

namespace keysweep {

std::unique_ptr<Reporter> make_human_reporter(std::ostream& out, const ReportOptions& o);

}  // namespace keysweep
