#include "match/finding_builder.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "context/scorer.h"
#include "core/secret.h"

namespace keysweep {

namespace {

constexpr size_t kSnippetSide = 60;  // bytes of context kept on each side of the secret

uint32_t count_code_points(std::string_view s) {
  uint32_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Counts lines incrementally: findings come in offset order, so each byte is counted once.
class LineCounter {
 public:
  explicit LineCounter(std::string_view data) : data_(data) {}
  // 1-based line of `offset`, and the offset where that line starts.
  std::pair<uint32_t, uint64_t> locate(uint64_t offset) {
    while (pos_ < offset) {
      const void* nl = std::memchr(data_.data() + pos_, '\n', offset - pos_);
      if (!nl) {
        pos_ = offset;
        break;
      }
      pos_ = static_cast<uint64_t>(static_cast<const char*>(nl) - data_.data()) + 1;
      ++line_;
      line_start_ = pos_;
    }
    return {line_, line_start_};
  }

 private:
  std::string_view data_;
  uint64_t pos_ = 0, line_start_ = 0;
  uint32_t line_ = 1;
};

// Where a secret lies in the blob.
struct SecretSpan {
  uint64_t start, end;
};

// Appends data[a, b) printable, with every secret of `others` that shows in it redacted: a
// snippet is the line around one finding, and the same line often holds another (an AWS key id
// beside its secret key) that must not leak through its neighbour's snippet. `others` is sorted
// by start. A secret cut by the window's left edge is shown as "…" only.
void append_redacted(std::string& out, std::string_view data, uint64_t a, uint64_t b,
                     const std::vector<SecretSpan>* others, uint64_t longest_other = 0) {
  uint64_t pos = a;
  if (others) {
    // Start at the first span that can reach `a` (none starts more than the longest span before
    // it), not at the blob's first: a line with many findings stays linear.
    uint64_t reach_back = a > longest_other ? a - longest_other : 0;
    auto first = std::lower_bound(others->begin(), others->end(), reach_back,
                                  [](const SecretSpan& s, uint64_t v) { return s.start < v; });
    for (auto it = first; it != others->end(); ++it) {
      const SecretSpan& o = *it;
      if (o.start >= b) break;
      if (o.end <= pos) continue;
      uint64_t from = std::max(o.start, pos);
      out += printable_utf8(data.substr(pos, from - pos));
      out += o.start >= pos ? redact_secret(data.substr(o.start, o.end - o.start))
                            : std::string("\xE2\x80\xA6");
      pos = std::min(o.end, b);
    }
  }
  out += printable_utf8(data.substr(pos, b - pos));
}

// The line around the secret [s_start, s_end), at most kSnippetSide bytes on each side, with
// `replacement` standing for the secret and (when `others` is given) the other secrets redacted.
std::string make_snippet(std::string_view data, uint64_t line_start, uint64_t s_start,
                         uint64_t s_end, std::string_view replacement,
                         const std::vector<SecretSpan>* others, uint64_t longest_other) {
  uint64_t from = std::max(line_start, s_start > kSnippetSide ? s_start - kSnippetSide : 0);
  // Only the next kSnippetSide bytes matter: searching to the end of a 100 MB minified line for
  // each of its findings made a many-finding line quadratic.
  uint64_t reach = std::min<uint64_t>(data.size(), s_end + kSnippetSide);
  const void* nl = std::memchr(data.data() + s_end, '\n', reach - s_end);
  uint64_t to = nl ? static_cast<uint64_t>(static_cast<const char*>(nl) - data.data()) : reach;
  std::string out;
  append_redacted(out, data, from, s_start, others, longest_other);
  out += replacement;
  append_redacted(out, data, s_end, to, others, longest_other);
  // Trim indentation; it says nothing.
  size_t first = out.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : out.substr(first);
}

// The "keysweep:allow ..." comment on the secret's line, if any: from the marker to the end of the
// line. Both searches are bounded, so a megabyte-long minified line costs the same as a short one.
// gitleaks' and TruffleHog's own markers count too, so a repository moving to keysweep keeps the
// decisions already written into its source (suppress/allow_comment.h reads them).
std::string find_allow_comment(std::string_view data, uint64_t line_start, uint64_t s_start,
                               uint64_t s_end) {
  static constexpr std::string_view kMarkers[] = {"keysweep:allow", "gitleaks:allow",
                                                   "trufflehog:ignore"};
  constexpr size_t kKeep = 256;      // bytes of the comment kept
  uint64_t from = std::max(line_start, s_start > kAllowCommentReach ? s_start - kAllowCommentReach : 0);
  uint64_t to = std::min<uint64_t>(data.size(), s_end + kAllowCommentReach);
  const void* nl = std::memchr(data.data() + s_end, '\n', to - s_end);
  if (nl) to = static_cast<uint64_t>(static_cast<const char*>(nl) - data.data());
  std::string_view line = data.substr(from, to - from);
  size_t at = std::string_view::npos;
  for (std::string_view marker : kMarkers) at = std::min(at, line.find(marker));
  if (at == std::string_view::npos) return {};
  return printable_utf8(line.substr(at, kKeep));
}

// Structured formats (DEX, resources.arsc, binary XML, plists, Mach-O) are scanned as lines
// `KEY = "VALUE"`, KEY being the symbol with characters outside [A-Za-z0-9_.-] turned into '_'
// (formats/labelled_text.h). When the secret's line is such a line, returns the symbol as written
// and where the value starts, so the snippet can name it as people know it (`@string/aws_key =
// "…"`, `com.example.Sender.send() = "…"`) rather than as rendered (`_string_aws_key`,
// `send__`). A label may add to the rendered symbol a bracketed note (" [arm64]"), left out.
struct LabelledLine {
  std::string_view symbol;
  uint64_t value_start;
};
std::optional<LabelledLine> labelled_line(std::string_view data, uint64_t line_start,
                                          std::string_view label, uint64_t s_start) {
  if (label.empty() || s_start <= line_start) return std::nullopt;
  const size_t sep = data.substr(line_start, s_start - line_start).find(" = \"");
  if (sep == std::string_view::npos || sep == 0 || sep > label.size()) return std::nullopt;
  if (sep < label.size() && label.substr(sep, 2) != " [") return std::nullopt;
  for (size_t i = 0; i < sep; ++i) {
    unsigned char c = static_cast<unsigned char>(label[i]);
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
    if (data[line_start + i] != (keep ? label[i] : '_')) return std::nullopt;
  }
  return LabelledLine{label.substr(0, sep), line_start + sep + 4};
}

}  // namespace

void build_findings(const Blob& blob, const RuleSet& rules, const std::vector<RuleMatch>& matches,
                    const FindingOptions& options, std::vector<Finding>& out) {
  std::string_view data = blob.bytes();
  LineCounter lines(data);
  std::vector<SecretSpan> secrets;
  secrets.reserve(matches.size());
  uint64_t column_line = UINT64_MAX, column_pos = 0;
  uint32_t column = 1;
  uint64_t longest = 0;
  for (const RuleMatch& m : matches) {
    secrets.push_back({m.secret_start, m.secret_end});
    longest = std::max(longest, m.secret_end - m.secret_start);
  }
  std::sort(secrets.begin(), secrets.end(),
            [](const SecretSpan& a, const SecretSpan& b) { return a.start < b.start; });
  for (const RuleMatch& m : matches) {
    const Rule& rule = rules.rules[m.rule_index];
    Finding f;
    f.rule_id = rule.id;
    f.rule_name = rule.name;
    f.provider = rule.provider;
    f.confidence = m.confidence >= 0 ? static_cast<Confidence>(m.confidence) : rule.confidence;
    f.from_context = !rule.context.empty();
    for (int8_t s : m.signals)
      if (auto c = context::decode_signal(s)) f.signals.push_back(context::signal_text(*c));
    f.secret.assign(data.substr(m.secret_start, m.secret_end - m.secret_start));
    // A password is chosen by a person: a dictionary finds it whatever its length.
    f.secret_hash_keyed = !options.secret_hash_key.empty() &&
                          (rule.context == "password" || is_guessable_secret(f.secret));
    f.secret_sha256 = f.secret_hash_keyed ? hmac_sha256_hex(options.secret_hash_key, f.secret)
                                          : sha256_hex(f.secret);
    f.redacted = redact_secret(f.secret);
    f.location.chain = blob.chain();
    f.location.symbol = std::string(blob.label_at(m.secret_start));
    f.location.offset = blob.offset_base() + m.secret_start;  // a piece's: in the whole text
    auto [line, line_start] = lines.locate(m.secret_start);
    if (blob.has_meaningful_lines()) {
      f.location.line = line;
      // Counted on from the previous finding of the same line: counting from the line's start
      // each time made a 100 MB minified line with many findings quadratic.
      if (line_start != column_line || m.secret_start < column_pos) {
        column_line = column_pos = line_start;
        column = 1;
      }
      column += count_code_points(data.substr(column_pos, m.secret_start - column_pos));
      column_pos = m.secret_start;
      f.location.column = column;
    }
    // A rendered `KEY = "VALUE"` line shows its symbol as is, then the value around the secret.
    std::optional<LabelledLine> labelled;
    if (!blob.segments().empty() && !blob.has_meaningful_lines())
      labelled = labelled_line(data, line_start, f.location.symbol, m.secret_start);
    const std::string prefix = labelled ? printable_utf8(labelled->symbol) + " = \"" : "";
    const uint64_t snippet_start = labelled ? labelled->value_start : line_start;
    f.snippet = prefix + make_snippet(data, snippet_start, m.secret_start, m.secret_end, f.redacted,
                                      &secrets, longest);
    if (options.show_secrets)
      f.snippet_clear = prefix + make_snippet(data, snippet_start, m.secret_start, m.secret_end,
                                              printable_utf8(f.secret), nullptr, 0);
    f.allow_comment = find_allow_comment(data, line_start, m.secret_start, m.secret_end);
    f.fingerprint = finding_fingerprint(rule.id, f.secret_sha256, f.location.display_path(),
                                        f.location.symbol);
    if (blob.app()) f.app = *blob.app();
    out.push_back(std::move(f));
  }
}

}  // namespace keysweep
