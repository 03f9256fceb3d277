// CSV (RFC 4180): a header row, then one row per finding, CRLF line ends; fields as core/csv.h
// writes them (escaped, quoted when they hold a comma or a quote).
#include <ostream>

#include "core/csv.h"
#include "core/secret.h"
#include "report/reporters.h"

namespace keysweep {

namespace {

class CsvReporter final : public Reporter {
 public:
  CsvReporter(std::ostream& out, const ReportOptions& o) : out_(out), opts_(o) {}

  void begin() override {
    if (started_) return;
    started_ = true;
    std::vector<std::string> header = {
        "path",     "display_path", "line", "column", "symbol", "rule_id", "provider", "confidence",
        opts_.show_secrets ? "secret" : "redacted", "secret_sha256", "fingerprint", "decoders",
        // The app holding it (empty outside apps); the publisher is not in the package itself:
        // `keysweep report --format csv` joins it from the metadata of a datastore.
        "app_package", "app_version", "app_signer_sha256", "app_team_id"};
    // Only with --git / --verify, so the columns of a plain scan stay what they were.
    if (opts_.git) header.insert(header.end(), {"git_commit", "git_author", "git_date"});
    if (opts_.verification)
      header.insert(header.end(), {"verification_status", "verification_identity",
                                   "verification_detail", "verification_endpoint"});
    row(header);
  }

  void finding(const Finding& f, const Rule*) override {
    begin();
    const auto& loc = f.location;
    std::vector<std::string> fields = {
        loc.chain.empty() ? std::string() : loc.chain.front(), loc.display_path(),
        std::to_string(loc.line), std::to_string(loc.column), loc.symbol, f.rule_id, f.provider,
        confidence_name(f.confidence), opts_.show_secrets ? f.secret : f.redacted,
        secret_hash_text(f.secret_sha256, f.secret_hash_keyed),
        f.fingerprint, decoder_list(loc.decoders, ">"), f.app.package, f.app.version,
        f.app.signer_sha256, f.app.team_id};
    if (opts_.git) {
      const GitOrigin& g = loc.git;
      fields.insert(fields.end(), {g.staged ? "(staged)" : g.commit, g.author,
                                   g.empty() || g.staged ? std::string() : g.iso_time()});
    }
    if (opts_.verification) {
      const Verification& v = f.verification;
      fields.insert(fields.end(),
                    {verification_status_name(v.status), v.identity, v.detail, v.endpoint});
    }
    row(fields);
  }

  void end(const ScanSummary&) override { begin(); }

 private:
  void row(const std::vector<std::string>& fields) { csv_row(out_, fields); }
  std::ostream& out_;
  ReportOptions opts_;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<Reporter> make_csv_reporter(std::ostream& out, const ReportOptions& o) {
  return std::make_unique<CsvReporter>(out, o);
}

}  // namespace keysweep
