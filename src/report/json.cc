// JSON: one document {"version", "findings": [...], "summary": {...}}. With --include-suppressed
// the hidden findings follow the reported ones, each with `suppressed_by`. Findings are written as
// they arrive rather than held until the end, so a scan with many findings streams.
#include <ostream>

#include "report/finding_json.h"
#include "report/reporters.h"

namespace keysweep {

namespace {

// Shifts every line after the first right by `spaces`, so a pretty-printed value nests in place.
std::string indent_nested(const std::string& text, int spaces) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(static_cast<size_t>(spaces), ' ');
  }
  return out;
}

class JsonReporter final : public Reporter {
 public:
  JsonReporter(std::ostream& out, const ReportOptions& o) : out_(out), opts_(o) {}

  void begin() override {
    if (started_) return;
    started_ = true;
    out_ << "{\n  \"version\": " << dump_json(Json(json_text(opts_.tool_version)), -1)
         << ",\n  \"findings\": [";
  }

  void finding(const Finding& f, const Rule* rule) override {
    begin();
    out_ << (listed_ ? ",\n    " : "\n    ")
         << indent_nested(dump_json(finding_json(f, rule, opts_), 2), 4);
    ++count_;
    ++listed_;
    verified_.add(f);
  }

  void suppressed(const Finding& f, const Rule* rule, const Suppression& why) override {
    if (!opts_.include_suppressed) return;
    begin();
    Json j = finding_json(f, rule, opts_);
    j["suppressed_by"] = suppression_json(why);
    out_ << (listed_ ? ",\n    " : "\n    ") << indent_nested(dump_json(j, 2), 4);
    ++listed_;
  }

  void end(const ScanSummary& s) override {
    begin();
    Json summary = summary_json(s, count_);
    if (opts_.verification) summary["verification"] = verification_run_json(verified_, opts_);
    out_ << (listed_ ? "\n  ]" : "]")
         << ",\n  \"summary\": " << indent_nested(dump_json(summary, 2), 2)
         << "\n}\n";
  }

 private:
  std::ostream& out_;
  ReportOptions opts_;
  bool started_ = false;
  uint64_t count_ = 0;   // findings reported
  uint64_t listed_ = 0;  // entries in the array: with --include-suppressed, hidden ones too
  VerificationCounts verified_;
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter(std::ostream& out, const ReportOptions& o) {
  return std::make_unique<JsonReporter>(out, o);
}

}  // namespace keysweep
