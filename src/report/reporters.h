// Factories of the individual reporters; registry.cc maps format names to them.
#pragma once

#include "report/reporter.h"

namespace keysweep {

std::unique_ptr<Reporter> make_human_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_json_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_jsonl_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_sarif_reporter(std::ostream& out, const ReportOptions& o);
std::unique_ptr<Reporter> make_csv_reporter(std::ostream& out, const ReportOptions& o);

// A finding's decodings as the text formats write them: "base64 > percent", "base64>percent".
inline std::string decoder_list(const std::vector<std::string>& decoders, std::string_view sep) {
  std::string out;
  for (const auto& d : decoders) (out += out.empty() ? "" : sep) += d;
  return out;
}

}  // namespace keysweep
