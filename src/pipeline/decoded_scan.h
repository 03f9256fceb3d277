// The pipeline's side of the decode pass (decode/decode_pass.h): scan what is hidden under
// encodings in a Blob, and report it where the user can act on it. A finding in decoded text is
// placed at the encoded run in the Blob (its line, column, symbol), since that is what the file
// holds, and lists the decodings that revealed it in Location::decoders.
#pragma once

#include <vector>

#include "core/blob.h"
#include "core/diagnostics.h"
#include "io/limits.h"
#include "io/utf16.h"
#include "keysweep/finding.h"
#include "match/finding_builder.h"
#include "match/matcher.h"

namespace keysweep {

// Binary rather than text: a NUL in the first 8 KiB.
bool looks_binary(std::string_view data);

// Decodes `blob` (text: its encoded runs; `binary`: as UTF-16 text) under `limits` and appends the
// findings in the decoded pieces to `out`. Does nothing when limits.max_decode_depth is 0.
// `binary` is looks_binary() of the blob, or of the file a window of it was cut from.
// `utf16`: the blob is a window of a UTF-16 text file, decoded as that (decode_nested).
void scan_decoded(const Blob& blob, bool binary, const Matcher& matcher, Matcher::Scratch& scratch,
                  const Limits& limits, const FindingOptions& options, DiagnosticSink& diagnostics,
                  std::vector<Finding>& out, const Utf16Layout* utf16 = nullptr);

// One report per secret: a decoded finding goes when the same secret is in plain text anywhere in
// `findings` (one top-level input), and of decoded findings with one fingerprint (same rule,
// secret, file and symbol) only the one with the fewest decodings, then the first, stays. A
// generic (context-scored) finding goes when a decoded finding sits at its offset: the encoded
// value it flagged was decoded into something more specific.
void drop_decoded_duplicates(std::vector<Finding>& findings);

}  // namespace keysweep
