#include <functional>

#include "report/reporters.h"

namespace keysweep {

namespace {

using Factory = std::function<std::unique_ptr<Reporter>(std::ostream&, const ReportOptions&)>;

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> list = {
      {"human", make_human_reporter}, {"json", make_json_reporter}, {"jsonl", make_jsonl_reporter},
      {"sarif", make_sarif_reporter}, {"csv", make_csv_reporter},
  };
  return list;
}

}  // namespace

const std::vector<std::string>& reporter_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, _] : factories()) n.push_back(name);
    return n;
  }();
  return names;
}

Result<std::unique_ptr<Reporter>> make_reporter(const std::string& format, std::ostream& out,
                                                const ReportOptions& options) {
  for (const auto& [name, factory] : factories())
    if (name == format) return factory(out, options);
  std::string known;
  for (const auto& n : reporter_names()) known += (known.empty() ? "" : ", ") + n;
  return make_error(ErrorCode::kConfig, "unknown format '" + format + "' (known: " + known + ")");
}

}  // namespace keysweep
