#include "suppress/baseline.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/secret.h"
#include "core/text_file.h"

namespace keysweep::suppress {

namespace {

using Json = nlohmann::ordered_json;

std::string relative_chain(const Location& loc, RelativePaths& paths) {
  if (loc.chain.empty()) return {};
  std::string out = paths.relative(loc.chain.front());
  for (size_t i = 1; i < loc.chain.size(); ++i) out.append("!").append(loc.chain[i]);
  return out;
}

bool is_fingerprint(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Paths in a file name from a foreign archive may hold bytes that are not UTF-8; nlohmann's dump
// would throw on them.
std::string json_safe(const std::string& s) { return is_valid_utf8(s) ? s : printable_utf8(s); }

}  // namespace

std::string Baseline::fingerprint(const Finding& f, RelativePaths& paths) {
  return finding_fingerprint(f.rule_id, f.secret_sha256, relative_chain(f.location, paths),
                             f.location.symbol);
}

void Baseline::add(BaselineEntry e) {
  if (!fingerprints_.insert(e.fingerprint).second) return;
  entries_.push_back(std::move(e));
}

Baseline Baseline::from_findings(const std::vector<Finding>& findings, RelativePaths& paths) {
  Baseline b;
  auto entry = [&](const Finding& f, const std::string& part_of) {
    return BaselineEntry{fingerprint(f, paths), f.rule_id, relative_chain(f.location, paths),
                         f.location.symbol, f.secret_sha256, part_of, f.secret_hash_keyed};
  };
  for (const Finding& f : findings) {
    b.add(entry(f, ""));
    for (const Finding& part : f.parts) b.add(entry(part, f.rule_id));
  }
  std::sort(b.entries_.begin(), b.entries_.end(), [](const BaselineEntry& x, const BaselineEntry& y) {
    return std::tie(x.path, x.rule_id, x.part_of, x.fingerprint) <
           std::tie(y.path, y.rule_id, y.part_of, y.fingerprint);
  });
  return b;
}

std::string Baseline::to_json(const std::string& tool_version) const {
  Json doc;
  doc["keysweep_baseline"] = kFormatVersion;
  doc["tool_version"] = tool_version;
  doc["about"] =
      "Findings accepted as known: `keysweep scan --baseline FILE` reports only others. Each entry "
      "is keyed by its fingerprint (rule, path relative to this file, symbol, SHA-256 of the "
      "secret, or for a guessable secret its HMAC-SHA-256 under the scanning user's key: scan "
      "with the same KEYSWEEP_HASH_KEY where this file is used); no secret is stored.";
  Json list = Json::array();
  for (const auto& e : entries_) {
    Json j;
    j["fingerprint"] = e.fingerprint;
    j["rule_id"] = json_safe(e.rule_id);
    j["path"] = json_safe(e.path);
    if (!e.symbol.empty()) j["symbol"] = json_safe(e.symbol);
    j[std::string(secret_hash_field(e.secret_hash_keyed))] = e.secret_sha256;
    if (!e.part_of.empty()) j["part_of"] = json_safe(e.part_of);
    list.push_back(std::move(j));
  }
  doc["findings"] = std::move(list);
  return doc.dump(2) + "\n";
}

Result<Baseline> Baseline::parse(std::string_view text, const std::string& source) {
  auto fail = [&](const std::string& why) {
    return make_error(ErrorCode::kConfig, "not a keysweep baseline: " + why, source);
  };
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann counts bytes; a person looks for a line (a merge conflict marker, a cut-off file).
    size_t upto = std::min<size_t>(e.byte ? e.byte - 1 : 0, text.size());
    size_t line = 1 + std::count(text.begin(), text.begin() + upto, '\n');
    return fail("invalid JSON at line " + std::to_string(line));
  }
  if (!doc.is_object() || !doc.contains("keysweep_baseline"))
    return fail("no \"keysweep_baseline\" version field");
  const Json& version = doc["keysweep_baseline"];
  if (!version.is_number_integer() || version.get<int64_t>() != kFormatVersion)
    return make_error(ErrorCode::kConfig,
                      "baseline format version " + version.dump() + " is not supported (this "
                          "keysweep reads version " + std::to_string(kFormatVersion) + ")",
                      source);
  if (!doc.contains("findings") || !doc["findings"].is_array())
    return fail("no \"findings\" array");
  Baseline b;
  size_t index = 0;
  for (const Json& item : doc["findings"]) {
    auto text_field = [&](const char* key) {
      auto it = item.find(key);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (!item.is_object() || !is_fingerprint(text_field("fingerprint")))
      return fail("findings[" + std::to_string(index) + "] has no 32-hex-digit \"fingerprint\"");
    const bool keyed = item.contains(secret_hash_field(true));
    b.add(BaselineEntry{text_field("fingerprint"), text_field("rule_id"), text_field("path"),
                        text_field("symbol"), text_field(secret_hash_field(keyed).data()),
                        text_field("part_of"), keyed});
    ++index;
  }
  return b;
}

Result<Baseline> Baseline::load(const std::string& path) {
  auto text = read_text_file(path, "baseline");
  if (!text) return std::unexpected(text.error());
  return parse(*text, path);
}

bool Baseline::covers(const Finding& f, RelativePaths& paths) const {
  if (fingerprints_.count(fingerprint(f, paths))) return true;
  if (!f.is_pair()) return false;
  return std::all_of(f.parts.begin(), f.parts.end(), [&](const Finding& part) {
    return fingerprints_.count(fingerprint(part, paths)) > 0;
  });
}

}  // namespace keysweep::suppress
