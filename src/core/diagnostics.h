// Warnings and errors about inputs (not findings): an unreadable file, a zip bomb, a malformed DEX.
// They are collected, printed on stderr as they happen, counted in the summary, and never stop the
// scan of other inputs.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "keysweep/error.h"

namespace keysweep {

enum class Severity { kWarning, kError };

// Why an input was skipped or only partly scanned; the summary counts each kind.
enum class DiagnosticKind {
  kUnreadable,    // permission denied, vanished
  kMissing,       // a path given to scan that does not exist
  kNotAFile,      // a FIFO, socket or device: nothing to read
  kTooLarge,      // over --max-file-size
  kSymlinkLoop,   // a directory cycle
  kInvalidUtf8,   // text file or name that is not UTF-8; scanned as bytes
  kMalformed,     // a parser rejected (part of) the input
  kLimit,         // a safety limit stopped an expansion
  kEncrypted,     // e.g. a FairPlay-encrypted Mach-O
  kChanged,       // shrank, grew or was rewritten while it was read
  kOther,
};
const char* diagnostic_kind_name(DiagnosticKind k);
DiagnosticKind diagnostic_kind_for(ErrorCode code);

struct Diagnostic {
  Severity severity = Severity::kWarning;
  DiagnosticKind kind = DiagnosticKind::kOther;
  std::string path;     // the file or provenance chain ("app.apk!classes.dex")
  std::string message;  // the reason
  // One printable line: the path and the message escaped (core/secret.h printable_name).
  std::string to_string() const;
};

class DiagnosticSink {
 public:
  virtual ~DiagnosticSink() = default;
  virtual void report(Diagnostic d) = 0;
  void warn(DiagnosticKind kind, std::string path, std::string message) {
    report({Severity::kWarning, kind, std::move(path), std::move(message)});
  }
  // An Error becomes a diagnostic with the error's path; the offset stays in the message.
  void error(const Error& e, Severity severity = Severity::kError);
};

// Thread-safe collector; optionally echoes each diagnostic to stderr as it arrives. The echo is
// folded: after the first kEchoedPerKind warnings of one kind from one input (a 42.zip gives
// thousands of nested-archive limits), the rest are only counted, and print_folded() says how
// many in one line per input and kind. What is collected (the summary, JSON, SARIF) is complete.
class CollectingDiagnostics final : public DiagnosticSink {
 public:
  static constexpr size_t kEchoedPerKind = 5;
  explicit CollectingDiagnostics(bool echo_to_stderr = false) : echo_(echo_to_stderr) {}
  void report(Diagnostic d) override;
  std::vector<Diagnostic> take();
  size_t count() const;
  // "keysweep: warning: x.zip: and 4,100 more limit warnings (...)": once the scan is over.
  void print_folded();

 private:
  struct Fold {
    size_t seen = 0;
  };
  mutable std::mutex mu_;
  std::vector<Diagnostic> items_;
  // (top-level input, kind) -> how many arrived; ordered, so the fold lines come out sorted.
  std::map<std::pair<std::string, DiagnosticKind>, Fold> folds_;
  bool echo_;
};

}  // namespace keysweep
