#include "pipeline/decoded_scan.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/secret.h"
#include "decode/decode_pass.h"

namespace keysweep {

namespace {

// 1-based line and column (in code points) of `offset` in `text`.
std::pair<uint32_t, uint32_t> line_and_column(std::string_view text, uint64_t offset) {
  offset = std::min<uint64_t>(offset, text.size());
  uint32_t line = 1;
  uint64_t line_start = 0;
  for (uint64_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  uint32_t column = 1;
  for (uint64_t i = line_start; i < offset; ++i)
    if ((static_cast<uint8_t>(text[i]) & 0xC0) != 0x80) ++column;
  return {line, column};
}

// UTF-16 code units encoding the UTF-8 text before `offset`: a UTF-16 file's bytes are twice that.
uint64_t utf16_units_before(std::string_view utf8, uint64_t offset) {
  offset = std::min<uint64_t>(offset, utf8.size());
  uint64_t units = 0;
  for (uint64_t i = 0; i < offset; ++i) {
    auto c = static_cast<uint8_t>(utf8[i]);
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

// Moves a finding from decoded piece `index` to where its encoded run is in `blob`.
void relocate(Finding& f, const Blob& blob, const std::vector<decode::DecodedPiece>& pieces,
              int index) {
  Location& loc = f.location;
  uint64_t pos = loc.offset;
  bool placed = false;  // line and column are known
  loc.line = loc.column = 0;
  for (int k = index; k >= 0; k = pieces[k].parent) {
    const decode::DecodedPiece& p = pieces[k];
    if (decode::is_transcoding(p.encoding)) {
      // A UTF-16 file's lines are its text's lines: count them there, where they are UTF-8.
      if (!placed) std::tie(loc.line, loc.column) = line_and_column(p.text, pos);
      placed = true;
      pos = p.offset + 2 * utf16_units_before(p.text, pos);
    } else {
      pos = decode::position_in_parent(p, pos);
    }
  }
  if (!placed && blob.has_meaningful_lines())
    std::tie(loc.line, loc.column) = line_and_column(blob.bytes(), pos);
  loc.offset = blob.offset_base() + pos;
  loc.chain = blob.chain();
  loc.symbol = std::string(blob.label_at(pos));
  loc.decoders = decode::decoding_chain(pieces, index);
  f.fingerprint = finding_fingerprint(f.rule_id, f.secret_sha256, loc.display_path(), loc.symbol);
}

}  // namespace

bool looks_binary(std::string_view data) {
  return std::memchr(data.data(), 0, std::min<size_t>(data.size(), 8192)) != nullptr;
}

void scan_decoded(const Blob& blob, bool binary, const Matcher& matcher, Matcher::Scratch& scratch,
                  const Limits& limits, const FindingOptions& options, DiagnosticSink& diagnostics,
                  std::vector<Finding>& out, const Utf16Layout* utf16) {
  if (limits.max_decode_depth <= 0) return;
  decode::DecodeLimits dl;
  dl.max_depth = limits.max_decode_depth;
  dl.max_run = limits.max_decoded_run;
  dl.max_ratio = limits.max_decoded_ratio;
  std::vector<decode::DecodedPiece> pieces;
  decode::DecodeStats st = decode::decode_nested(blob.bytes(), binary, dl, pieces, utf16);
  if (st.budget_spent)
    diagnostics.warn(DiagnosticKind::kLimit, blob.display_path(),
                     "decoded " + std::to_string(st.decoded_bytes) +
                         " bytes of encoded text (the limit for this input); later encoded runs "
                         "were not decoded");
  std::vector<RuleMatch> matches;
  std::vector<Finding> found;
  for (size_t i = 0; i < pieces.size(); ++i) {
    Blob piece(pieces[i].text, nullptr, blob.chain());
    piece.set_app(blob.app());
    matches.clear();
    if (auto r = matcher.scan(piece, scratch, matches); !r) {
      diagnostics.error(r.error());
      continue;
    }
    if (matches.empty()) continue;
    found.clear();
    build_findings(piece, matcher.rules(), matches, options, found);
    for (Finding& f : found) {
      relocate(f, blob, pieces, static_cast<int>(i));
      out.push_back(std::move(f));
    }
  }
}

void drop_decoded_duplicates(std::vector<Finding>& findings) {
  // Secrets found as written. Compared as secrets, not hashes: a password's hash is keyed (an
  // HMAC) and a provider finding's is not, so one secret can carry two different hashes.
  std::set<std::string> plain;
  std::vector<size_t> decoded;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (findings[i].location.decoders.empty()) {
      plain.insert(findings[i].secret);
    } else {
      decoded.push_back(i);
    }
  }
  if (decoded.empty()) return;
  std::stable_sort(decoded.begin(), decoded.end(), [&](size_t a, size_t b) {
    const Location &la = findings[a].location, &lb = findings[b].location;
    if (la.decoders.size() != lb.decoders.size()) return la.decoders.size() < lb.decoders.size();
    return la.offset < lb.offset;
  });
  std::vector<bool> drop(findings.size(), false);
  std::set<std::string> kept;  // fingerprints of decoded findings kept
  for (size_t i : decoded)
    drop[i] = plain.count(findings[i].secret) || !kept.insert(findings[i].fingerprint).second;
  // AWS_KEY_B64=<base64 of a key id>: the context scorer reports the encoded value as a generic
  // secret, and the decoded layer finds the provider's key in it, placed at the same offset. The
  // provider finding says more; the generic one is the same credential seen through its wrapping.
  std::set<std::pair<std::string, uint64_t>> decoded_at;
  for (size_t i : decoded) decoded_at.emplace(findings[i].location.display_path(), findings[i].location.offset);
  for (size_t i = 0; i < findings.size(); ++i)
    if (findings[i].location.decoders.empty() && findings[i].from_context &&
        decoded_at.count({findings[i].location.display_path(), findings[i].location.offset}))
      drop[i] = true;
  size_t w = 0;
  for (size_t i = 0; i < findings.size(); ++i)
    if (!drop[i]) {
      if (w != i) findings[w] = std::move(findings[i]);
      ++w;
    }
  findings.resize(w);
}

}  // namespace keysweep
