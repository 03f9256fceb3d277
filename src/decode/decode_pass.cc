#include "decode/decode_pass.h"

#include <algorithm>
#include <optional>

#include "decode/encoded_runs.h"
#include "io/utf16.h"

namespace keysweep::decode {

namespace {

// Decoded text shorter than this holds no credential worth a second scan.
constexpr size_t kMinDecoded = 8;
// Encoded characters decoded first: a long run of random data (an embedded image) is rejected
// after 48 bytes rather than after all of it. A multiple of 4 and of 2.
constexpr size_t kProbe = 64;
// UTF-16 bytes converted first to tell text from a binary with NULs in every other byte.
constexpr size_t kUtf16Probe = 1024;

std::optional<std::string> decode_run(Encoding e, std::string_view run) {
  switch (e) {
    case Encoding::kBase64: return decode_base64(run);
    case Encoding::kHex: return decode_hex(run);
    case Encoding::kPercent: return decode_percent(run);
    case Encoding::kEscape: return decode_escapes(run);
    case Encoding::kUtf16LeRun: return utf16le_to_utf8(run);
    case Encoding::kUtf16Le:
    case Encoding::kUtf16Be:
    case Encoding::kConcat: break;  // decoded whole, not run by run
  }
  return std::nullopt;
}

bool probe_rejects(Encoding e, std::string_view run) {
  if ((e != Encoding::kBase64 && e != Encoding::kHex) || run.size() <= kProbe) return false;
  auto head = decode_run(e, run.substr(0, kProbe));
  return !head || !mostly_printable(*head);
}

// Base64 characters on the first line of a wrapped block.
size_t first_line_width(std::string_view span) {
  size_t n = 0;
  while (n < span.size() && span[n] != '\n' && span[n] != '\r') ++n;
  return n;
}

class NestedDecoder {
 public:
  NestedDecoder(const DecodeLimits& limits, uint64_t budget, std::vector<DecodedPiece>& out)
      : limits_(limits), budget_(budget), out_(out) {}

  // Decodes the runs of `text` (the Blob's, or piece `parent`'s) into pieces at `depth`.
  void decode_runs(std::string_view text, int parent, int depth) {
    runs_.clear();
    find_encoded_runs(text, limits_.max_run, runs_);
    wrapped_.clear();
    find_wrapped_base64(text, runs_, limits_.max_run, wrapped_);
    std::vector<DecodedPiece> found;
    for (const EncodedRun& r : runs_) {
      if (stats.budget_spent) break;
      ++stats.runs;
      try_run(r, text.substr(r.offset, r.length), parent, depth, found);
    }
    // Then each wrapped block as a whole, for what crosses its line breaks. Its lines were decoded
    // one by one above too: a list of same-width values would otherwise be read as one, and
    // what a line holds is reported at the line (the pipeline keeps the earlier of two reports).
    for (const EncodedRun& w : wrapped_) {
      if (stats.budget_spent) break;
      ++stats.runs;
      const std::string_view span = text.substr(w.offset, w.length);
      if (!try_run(w, unwrap_base64(span), parent, depth, found)) continue;
      DecodedPiece& piece = found.back();
      piece.line_starts.push_back(w.offset);
      for (size_t i = 0; i < span.size(); ++i) {
        if (span[i] != '\n') continue;
        size_t start = i + 1;
        while (start < span.size() && (span[start] == ' ' || span[start] == '\t')) ++start;
        if (start < span.size()) piece.line_starts.push_back(w.offset + start);
      }
      piece.wrap_width = static_cast<uint32_t>(first_line_width(span));
    }
    // Literals joined by `+`: one piece per chain, read as the one string it stands for.
    chains_.clear();
    find_literal_chains(text, limits_.max_run, chains_);
    for (const LiteralChain& c : chains_) {
      if (stats.budget_spent) break;
      ++stats.runs;
      if (stats.decoded_bytes + (c.end - c.start) > budget_) {
        stats.budget_spent = true;
        break;
      }
      DecodedPiece piece{parent, Encoding::kConcat, c.start, c.end - c.start, depth, {}};
      piece.text = join_literal_chain(text, c, &piece.run_text_starts, &piece.line_starts);
      stats.decoded_bytes += piece.text.size();
      found.push_back(std::move(piece));
    }
    // Appended after the loop: `text` may be a piece of out_, which growing would move.
    std::move(found.begin(), found.end(), std::back_inserter(out_));
  }

  // The UTF-16LE strings inside a binary, as one piece: one line each. A binary may hold
  // hundreds of thousands of short runs (tables that happen to look like text); one piece keeps
  // that to one scan by the matcher.
  void add_utf16_runs(std::string_view bytes) {
    runs_.clear();
    find_utf16le_runs(bytes, limits_.max_run, runs_);
    if (runs_.empty()) return;
    DecodedPiece piece{-1, Encoding::kUtf16LeRun, runs_.front().offset, 0, 1, {}};
    for (const EncodedRun& r : runs_) {
      ++stats.runs;
      if (stats.decoded_bytes + r.length / 2 + 1 > budget_) {
        stats.budget_spent = true;
        break;
      }
      piece.line_starts.push_back(r.offset);
      piece.run_text_starts.push_back(piece.text.size());
      piece.text += utf16le_to_utf8(bytes.substr(r.offset, r.length));  // ASCII units only
      piece.text += '\n';
      stats.decoded_bytes += r.length / 2 + 1;
    }
    if (piece.text.empty()) return;
    piece.length = piece.line_starts.back() - piece.offset + 2 * (piece.text.size() - piece.run_text_starts.back() - 1);
    out_.push_back(std::move(piece));
  }

  // Returns whether `bytes` was UTF-16 text. `known`: its layout, from the file it was cut from.
  bool add_utf16(std::string_view bytes, const Utf16Layout* known) {
    Encoding enc = Encoding::kUtf16Le;
    size_t skip = 0;
    std::optional<std::string> text;
    if (known) {
      enc = known->big_endian ? Encoding::kUtf16Be : Encoding::kUtf16Le;
      skip = std::min(known->bom, bytes.size());
      text = utf16_to_utf8(bytes.substr(skip), known->big_endian);
    } else {
      if (!utf16_text_layout(bytes)) return false;
      text = decode_utf16_text(bytes, &enc, &skip);
    }
    if (!text || !mostly_printable(*text)) return false;
    if (stats.decoded_bytes + text->size() > budget_) {
      stats.budget_spent = true;
      return true;
    }
    stats.decoded_bytes += text->size();
    out_.push_back(DecodedPiece{-1, enc, skip, bytes.size() - skip, 1, std::move(*text)});
    return true;
  }

  DecodeStats stats;

 private:
  // Decodes one run (its encoded characters: `run`) into a piece, if it holds text.
  bool try_run(const EncodedRun& r, std::string_view run, int parent, int depth,
               std::vector<DecodedPiece>& found) {
    if (probe_rejects(r.encoding, run)) return false;
    // No decoder here makes text longer than its run, so the run's length bounds the cost.
    if (stats.decoded_bytes + run.size() > budget_) {
      stats.budget_spent = true;
      return false;
    }
    auto decoded = decode_run(r.encoding, run);
    if (!decoded || decoded->size() < kMinDecoded || !mostly_printable(*decoded)) return false;
    stats.decoded_bytes += decoded->size();
    found.push_back(DecodedPiece{parent, r.encoding, r.offset, r.length, depth, std::move(*decoded)});
    return true;
  }

  const DecodeLimits& limits_;
  uint64_t budget_;
  std::vector<DecodedPiece>& out_;
  std::vector<EncodedRun> runs_;
  std::vector<EncodedRun> wrapped_;
  std::vector<LiteralChain> chains_;
};

}  // namespace

std::optional<Utf16Layout> utf16_text_layout(std::string_view head) {
  head = head.substr(0, kUtf16Probe);
  auto text = decode_utf16_text(head, nullptr, nullptr);
  if (!text || !mostly_printable(*text)) return std::nullopt;
  return detect_utf16_text(head);
}

DecodeStats decode_nested(std::string_view bytes, bool looks_binary, const DecodeLimits& limits,
                          std::vector<DecodedPiece>& out, const Utf16Layout* utf16) {
  if (limits.max_depth <= 0 || bytes.empty()) return {};
  const uint64_t budget = std::max<uint64_t>(limits.min_budget, bytes.size() * limits.max_ratio);
  const size_t first = out.size();
  NestedDecoder decoder(limits, budget, out);
  if (looks_binary) {
    if (!decoder.add_utf16(bytes, utf16)) decoder.add_utf16_runs(bytes);
  } else {
    decoder.decode_runs(bytes, -1, 1);
  }
  for (size_t i = first; i < out.size() && !decoder.stats.budget_spent; ++i) {
    if (out[i].depth >= limits.max_depth) continue;
    decoder.decode_runs(out[i].text, static_cast<int>(i), out[i].depth + 1);
  }
  return decoder.stats;
}

uint64_t position_in_parent(const DecodedPiece& p, uint64_t pos) {
  // UTF-16LE runs of a binary, one a line: runs hold ASCII code units only, so decoded byte `pos`
  // of run k is unit `pos - run_text_starts[k]` of it.
  // Joined literals: each part's characters are where they were, so byte `pos` of part k is
  // `pos - run_text_starts[k]` bytes into it.
  if ((p.encoding == Encoding::kUtf16LeRun || p.encoding == Encoding::kConcat) &&
      !p.run_text_starts.empty()) {
    auto it = std::upper_bound(p.run_text_starts.begin(), p.run_text_starts.end(), pos);
    const size_t k = static_cast<size_t>(it - p.run_text_starts.begin()) - (it != p.run_text_starts.begin());
    const uint64_t unit = p.encoding == Encoding::kUtf16LeRun ? 2 : 1;
    return p.line_starts[k] + unit * (pos - p.run_text_starts[k]);
  }
  if (p.line_starts.empty() || p.wrap_width == 0) return p.offset;
  // Base64 turns 3 bytes into 4 characters: byte `pos` starts in the group at character j.
  const uint64_t j = pos / 3 * 4;
  const uint64_t line = std::min<uint64_t>(j / p.wrap_width, p.line_starts.size() - 1);
  return p.line_starts[line] + (j - line * p.wrap_width);
}

std::vector<std::string> decoding_chain(const std::vector<DecodedPiece>& pieces, int index) {
  std::vector<std::string> chain;
  for (int i = index; i >= 0 && static_cast<size_t>(i) < pieces.size(); i = pieces[i].parent)
    chain.emplace_back(encoding_name(pieces[i].encoding));
  std::reverse(chain.begin(), chain.end());
  return chain;
}

}  // namespace keysweep::decode
