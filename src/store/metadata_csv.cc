#include "store/metadata_csv.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace keysweep::store {
namespace {

// Splits RFC 4180 records: fields may be quoted, quotes doubled, newlines inside quotes kept.
Result<std::vector<std::vector<std::string>>> split_csv(std::string_view text, const std::string& path) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = any = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
      }
      record.clear();
      field.clear();
      any = false;
      ++line;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted)
    return make_error(ErrorCode::kMalformed, "unterminated quoted field at line " +
                                                 std::to_string(line), path);
  if (any || !field.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

std::string trimmed(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::vector<AppMetadata>> parse_metadata_csv(std::string_view text, const std::string& path) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM, as spreadsheets write
  auto records = split_csv(text, path);
  if (!records) return std::unexpected(records.error());
  if (records->empty()) return make_error(ErrorCode::kMalformed, "empty metadata CSV", path);
  int app = -1, publisher = -1, installs = -1, store = -1;
  const auto& header = records->front();
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = lower(trimmed(header[i]));
    int idx = static_cast<int>(i);
    if (h == "app_id" || h == "app id" || h == "package" || h == "bundle_id") app = idx;
    else if (h == "publisher") publisher = idx;
    else if (h == "installs") installs = idx;
    else if (h == "store") store = idx;
  }
  if (app < 0)
    return make_error(ErrorCode::kMalformed,
                      "metadata CSV header has no app_id column (expected app_id, publisher, "
                      "installs, store)", path);
  auto cell = [](const std::vector<std::string>& r, int i) {
    return i >= 0 && static_cast<size_t>(i) < r.size() ? trimmed(r[static_cast<size_t>(i)])
                                                       : std::string();
  };
  std::vector<AppMetadata> out;
  for (size_t n = 1; n < records->size(); ++n) {
    const auto& r = (*records)[n];
    AppMetadata m;
    m.app_id = cell(r, app);
    if (m.app_id.empty()) continue;  // blank line or a row without an id: nothing to join on
    m.publisher = cell(r, publisher);
    m.store = cell(r, store);
    std::string inst = cell(r, installs);
    if (!inst.empty()) {
      int64_t v = 0;
      bool digits = false;
      for (char c : inst) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
          if (v > (INT64_MAX - 9) / 10)
            return make_error(ErrorCode::kMalformed, "installs too large in row " +
                                                         std::to_string(n + 1), path);
          v = v * 10 + (c - '0');
          digits = true;
        } else if (c != ',' && c != '+' && c != '_' && c != ' ') {
          return make_error(ErrorCode::kMalformed, "installs is not a number in row " +
                                                       std::to_string(n + 1) + ": '" + inst + "'",
                            path);
        }
      }
      if (digits) m.installs = v;
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<AppMetadata>> read_metadata_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot open metadata CSV", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_metadata_csv(ss.str(), path);
}

}  // namespace keysweep::store
