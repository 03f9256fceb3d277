// Factories of the individual reporters; registry.cc maps format names to them.
#pragma once

#include "report/reporter.h"

namespace keysweep {

std::unique_ptr<Reporter> make_human_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_json_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_jsonl_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_sarif_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_csv_reporter(std::ostream& out, const ReportOptions& o);

}  // namespace keysweep
