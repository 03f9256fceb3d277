// JSONL: one compact JSON object per line, {"type":"finding", ...} for each finding and a last
// {"type":"summary", ...}, so `grep`, `jq -c` and log shippers can take findings one at a time.
#include <ostream>

#include "report/finding_json.h"
#include "report/reporters.h"

namespace keysweep {

namespace {

class JsonlReporter final : public Reporter {
 public:
  JsonlReporter(std::ostream& out, const ReportOptions& o) : out_(out), opts_(o) {}

  void finding(const Finding& f, const Rule* rule) override {
    Json line;
    line["type"] = "finding";
    line.update(finding_json(f, rule, opts_));
    out_ << dump_json(line, -1) << '\n';
    ++count_;
    verified_.add(f);
  }

  void suppressed(const Finding& f, const Rule* rule, const Suppression& why) override {
    if (!opts_.include_suppressed) return;
    Json line;
    line["type"] = "finding";
    line.update(finding_json(f, rule, opts_));
    line["suppressed_by"] = suppression_json(why);
    out_ << dump_json(line, -1) << '\n';
  }

  void end(const ScanSummary& s) override {
    Json line;
    line["type"] = "summary";
    line["version"] = json_text(opts_.tool_version);
    line.update(summary_json(s, count_));
    if (opts_.verification) line["verification"] = verification_run_json(verified_, opts_);
    out_ << dump_json(line, -1) << '\n';
  }

 private:
  std::ostream& out_;
  ReportOptions opts_;
  uint64_t count_ = 0;
  VerificationCounts verified_;
};

}  // namespace

std::unique_ptr<Reporter> make_jsonl_reporter(std::ostream& out, const ReportOptions& o) {
  return std::make_unique<JsonlReporter>(out, o);
}

}  // namespace keysweep
