// What the JSON-based formats (json, jsonl, sarif) share: a finding or a run summary as a JSON
// object, with the secret redacted unless the user asked otherwise, and text made valid UTF-8.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "report/reporter.h"

namespace keysweep {

// Insertion-ordered, so documents read in a fixed field order and golden files stay stable.
using Json = nlohmann::ordered_json;

// JSON strings must be UTF-8 and nlohmann throws on anything else. Snippets already are; file
// names and symbols come from disk and archives and may not be.
std::string json_text(std::string_view bytes);

// {platform, package, version, signer_sha256, team_id (iOS, when known)}
Json app_json(const AppIdentity& app);
// Where in git history: commit, author, date, path (and whether it is only staged).
Json git_json(const GitOrigin& g);

// The finding object of the json and jsonl formats (snake_case fields): never `secret` or
// `snippet_clear` unless options.show_secrets.
Json finding_json(const Finding& f, const Rule* rule, const ReportOptions& options);

// {mechanism, source, justification}: the `suppressed_by` of --include-suppressed.
Json suppression_json(const Suppression& s);

// {status, identity, detail, endpoint}
Json verification_json(const Verification& v);

// The run's verification: {live, revoked, unknown, not_checked, endpoint_overrides, offline}.
Json verification_run_json(const VerificationCounts& counts, const ReportOptions& options);

// files_scanned, blobs_scanned, bytes_scanned, findings, symlinks_skipped, seconds,
// diagnostics_by_kind, suppressed, diagnostics.
Json summary_json(const ScanSummary& s, uint64_t findings_reported);

// Serialises without ever throwing on bad UTF-8 (replaced by U+FFFD as a last resort).
std::string dump_json(const Json& j, int indent);

}  // namespace keysweep
