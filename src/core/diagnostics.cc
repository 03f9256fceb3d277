#include "core/diagnostics.h"

#include "core/secret.h"
#include "core/stderr_lines.h"

#include <cstdio>

namespace keysweep {

const char* diagnostic_kind_name(DiagnosticKind k) {
  switch (k) {
    case DiagnosticKind::kUnreadable: return "unreadable";
    case DiagnosticKind::kMissing: return "missing";
    case DiagnosticKind::kNotAFile: return "not-a-file";
    case DiagnosticKind::kTooLarge: return "too-large";
    case DiagnosticKind::kSymlinkLoop: return "symlink-loop";
    case DiagnosticKind::kInvalidUtf8: return "invalid-utf8";
    case DiagnosticKind::kMalformed: return "malformed";
    case DiagnosticKind::kLimit: return "limit";
    case DiagnosticKind::kEncrypted: return "encrypted";
    case DiagnosticKind::kChanged: return "changed-while-read";
    case DiagnosticKind::kOther: return "other";
  }
  return "other";
}

DiagnosticKind diagnostic_kind_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return DiagnosticKind::kUnreadable;
    case ErrorCode::kTooLarge: return DiagnosticKind::kTooLarge;
    case ErrorCode::kMalformed: return DiagnosticKind::kMalformed;
    case ErrorCode::kLimit: return DiagnosticKind::kLimit;
    default: return DiagnosticKind::kOther;
  }
}

std::string Diagnostic::to_string() const {
  std::string text = path.empty() ? message : path + ": " + message;
  return printable_name(text);
}

void DiagnosticSink::error(const Error& e, Severity severity) {
  Error without_path = e;
  without_path.path.clear();
  report({severity, diagnostic_kind_for(e.code), e.path, without_path.to_string()});
}

namespace {

// The input a diagnostic belongs to: its provenance chain up to the first '!' ("x.zip").
std::string top_level_input(const std::string& chain) { return chain.substr(0, chain.find('!')); }

// 4100 -> "4,100"
std::string with_commas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

void CollectingDiagnostics::report(Diagnostic d) {
  std::lock_guard lock(mu_);
  if (echo_) {
    // Errors are never folded: each one matters. Warnings: the first few per input and kind.
    const bool shown = d.severity == Severity::kError ||
                       ++folds_[{top_level_input(d.path), d.kind}].seen <= kEchoedPerKind;
    if (shown)
      print_stderr_line(std::string("keysweep: ") +
                        (d.severity == Severity::kError ? "error" : "warning") + ": " + d.to_string());
  }
  items_.push_back(std::move(d));
}

void CollectingDiagnostics::print_folded() {
  std::lock_guard lock(mu_);
  for (const auto& [key, fold] : folds_) {
    if (fold.seen <= kEchoedPerKind) continue;
    const size_t more = fold.seen - kEchoedPerKind;
    print_stderr_line("keysweep: warning: " + printable_name(key.first) + ": and " + with_commas(more) +
                      " more " + diagnostic_kind_name(key.second) + (more == 1 ? " warning" : " warnings") +
                      " like the ones above (the summary counts them all)");
  }
  folds_.clear();
}

std::vector<Diagnostic> CollectingDiagnostics::take() {
  std::lock_guard lock(mu_);
  return std::move(items_);
}

size_t CollectingDiagnostics::count() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace keysweep

#include "core/scan_summary.h"

namespace keysweep {

bool ScanSummary::had_errors() const {
  for (const auto& d : diagnostics)
    if (d.severity == Severity::kError) return true;
  return false;
}

}  // namespace keysweep
