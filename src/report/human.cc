// Human output: one block per finding, `path:line:col` first so terminals and editors can jump to
// it, then a one-line summary. Colour only when asked (the CLI asks on a TTY).
#include <ostream>

#include "core/secret.h"
#include "core/text_wrap.h"
#include "report/reporters.h"
#include "report/risk_order.h"

namespace keysweep {

namespace {

class HumanReporter final : public Reporter {
 public:
  HumanReporter(std::ostream& out, const ReportOptions& o) : out_(out), opts_(o) {}

  void begin() override {
    if (opts_.verify_endpoint_overrides.empty()) return;
    std::string list;
    for (const auto& o : opts_.verify_endpoint_overrides) list += (list.empty() ? "" : ", ") + o;
    out_ << paint(kBold, "notice:") << " verification endpoint override in effect (" << list
         << "): those results come from a test server, not from the providers\n\n";
  }

  void finding(const Finding& f, const Rule* rule) override {
    const auto& loc = f.location;
    // A blob from history is named as git names it, <commit>:<path>, which `git show` takes as is.
    // Every name below comes from the scanned files (a file name, a class, a manifest's package) and
    // goes out escaped (printable_name): a name holding ESC or a newline must not drive the
    // terminal or forge a line of this report.
    std::string where = printable_name(loc.display_path());
    if (!loc.git.empty() && !loc.git.staged) where = loc.git.short_commit() + ":" + where;
    out_ << paint(kBold, where);
    if (loc.line) out_ << ':' << loc.line << ':' << loc.column;
    if (!loc.symbol.empty()) out_ << " (" << printable_name(loc.symbol) << ')';
    out_ << '\n';
    out_ << "  " << paint(kRed, f.rule_name) << "  [" << f.rule_id << ", "
         << confidence_name(f.confidence) << " confidence]\n";
    const RiskAssessment risk = finding_risk(f, rule);
    const std::string level = risk_name(risk.severity);
    const std::string severity = wrap_words(level + " (" + risk.why() + ")", 12);
    out_ << "  severity: " << paint(risk.severity >= Risk::kHigh ? kRed : kDim, level)
         << severity.substr(level.size()) << '\n';
    if (f.is_pair()) {
      // Each part on its own line, with where it is when that differs from the headline.
      for (const Finding& p : f.parts) {
        out_ << "  " << (&p == &f.parts.front() ? "parts:   " : "         ") << p.pair_role << ' '
             << printable_name(opts_.show_secrets ? p.secret : p.redacted) << "  (" << p.rule_id;
        if (p.location.chain != loc.chain) out_ << " in " << printable_name(p.location.display_path());
        if (p.location.line) out_ << " line " << p.location.line;
        if (!p.location.symbol.empty()) out_ << ' ' << printable_name(p.location.symbol);
        out_ << ")\n";
      }
    } else {
      out_ << "  secret:  " << printable_name(opts_.show_secrets ? f.secret : f.redacted)
           << paint(kDim, std::string(f.secret_hash_keyed ? "  hmac:" : "  sha256:") +
                              f.secret_sha256.substr(0, 16))
           << '\n';
    }
    if (!loc.decoders.empty()) out_ << "  decoded: " << decoder_list(loc.decoders, " > ") << '\n';
    if (!f.signals.empty()) {
      out_ << "  why:    ";
      for (const auto& s : f.signals) out_ << ' ' << s << (&s == &f.signals.back() ? "" : ";");
      out_ << '\n';
    }
    const std::string& snip = opts_.show_secrets ? f.snippet_clear : f.snippet;
    if (!snip.empty()) out_ << "  " << paint(kDim, printable_name(snip)) << '\n';
    if (!f.app.empty()) {
      out_ << "  app:     " << printable_name(f.app.package);
      if (!f.app.version.empty()) out_ << ' ' << printable_name(f.app.version);
      if (!f.app.signer_sha256.empty()) out_ << "  signer " << f.app.signer_sha256.substr(0, 16);
      if (!f.app.team_id.empty()) out_ << "  team " << printable_name(f.app.team_id);
      out_ << '\n';
    }
    if (loc.git.staged) out_ << "  commit:  (staged, not committed yet)\n";
    else if (!loc.git.empty())
      out_ << "  commit:  " << loc.git.commit << ' ' << loc.git.iso_time() << ' '
           << printable_name(loc.git.author)
           << '\n';
    if (opts_.verification) out_ << "  verified: " << verification_line(f.verification) << '\n';
    // The whole remediation: its first sentence often only says what the credential is.
    if (rule && !rule->remediation.empty())
      out_ << "  fix:     " << wrap_words(rule->remediation, 11) << '\n';
    out_ << '\n';
    ++count_;
    verified_.add(f);
  }

  void end(const ScanSummary& s) override {
    out_ << paint(kBold, std::to_string(count_) + (count_ == 1 ? " finding" : " findings")) << " in "
         << s.files_scanned;
    if (s.git) {
      out_ << (s.files_scanned == 1 ? " git blob" : " git blobs");
      if (s.git_commits) out_ << " of " << s.git_commits << (s.git_commits == 1 ? " commit" : " commits");
    } else {
      out_ << (s.files_scanned == 1 ? " file" : " files");
    }
    if (s.blobs_scanned != s.files_scanned) out_ << " (" << s.blobs_scanned << " blobs)";
    char rate[64];
    std::snprintf(rate, sizeof rate, ", %.1f MB in %.2fs", s.bytes_scanned / 1e6, s.seconds);
    out_ << rate;
    if (!s.diagnostics_by_kind.empty()) {
      out_ << "; skipped or partly read:";
      bool first = true;
      for (const auto& [kind, n] : s.diagnostics_by_kind) {
        out_ << (first ? " " : ", ") << n << ' ' << kind;
        first = false;
      }
    }
    for (const auto& [how, n] : s.suppressed)
      if (n) out_ << "; " << n << " suppressed by " << how;
    // History belongs to `scan --git`; say so, so nobody believes .git was read.
    if (s.git_dirs_skipped) out_ << "; .git not scanned (--include-git-dir scans it, --git its history)";
    if (s.gitignored) out_ << "; " << s.gitignored << " ignored by .gitignore (--respect-gitignore)";
    if (opts_.verification) {
      out_ << "; verified: " << verified_.live << " live, " << verified_.revoked << " revoked, "
           << verified_.unknown << " unknown";
      if (verified_.not_checked) out_ << ", " << verified_.not_checked << " not checked";
      if (!opts_.verify_offline_reason.empty()) out_ << " (no network)";
    }
    // Named one a line: a scan that did not read a file whole must not pass for a clean one.
    if (const size_t n = s.not_fully_read.size()) {
      out_ << "; " << n << (n == 1 ? " input" : " inputs") << " not fully read:";
      for (const auto& d : s.not_fully_read) out_ << "\n  " << d.to_string();
    }
    out_ << '\n';
  }

 private:
  static constexpr const char* kBold = "\x1b[1m";
  static constexpr const char* kRed = "\x1b[31m";
  static constexpr const char* kDim = "\x1b[2m";
  std::string paint(const char* code, const std::string& s) const {
    return opts_.color ? code + s + "\x1b[0m" : s;
  }
  // "live (account: Acme Ltd; account status: active; api.twilio.com)"
  std::string verification_line(const Verification& v) const {
    std::string status = verification_status_name(v.status);
    if (v.status == Verification::Status::kNotChecked)
      return "not checked (no verifier for this rule)";
    if (v.status == Verification::Status::kLive) status = paint(kRed, status);
    std::string extra;
    auto add = [&](const std::string& s) {
      if (!s.empty()) extra += (extra.empty() ? "" : "; ") + s;
    };
    if (!v.identity.empty()) add("account: " + v.identity);
    add(v.detail);
    add(v.endpoint);
    // The identity and detail are what a provider's server answered.
    return extra.empty() ? status : status + " (" + printable_name(extra) + ")";
  }
  std::ostream& out_;
  ReportOptions opts_;
  size_t count_ = 0;
  VerificationCounts verified_;
};

}  // namespace

std::unique_ptr<Reporter> make_human_reporter(std::ostream& out, const ReportOptions& o) {
  return std::make_unique<HumanReporter>(out, o);
}

}  // namespace keysweep
