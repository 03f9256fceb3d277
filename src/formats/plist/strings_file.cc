#include "formats/plist/strings_file.h"

#include <cstring>

#include "io/utf16.h"

namespace keysweep::plist {

namespace {

enum class Encoding { kUtf8, kUtf16Le, kUtf16Be };

Encoding detect(std::string_view b, size_t& skip) {
  skip = 0;
  if (auto utf16 = detect_utf16_text(b)) {
    skip = utf16->bom;
    return utf16->big_endian ? Encoding::kUtf16Be : Encoding::kUtf16Le;
  }
  if (b.starts_with("\xEF\xBB\xBF")) skip = 3;
  return Encoding::kUtf8;
}

class StringsParser {
 public:
  StringsParser(std::string_view s, uint64_t max) : s_(s), max_(max) {}

  Result<std::vector<StringsEntry>> run() {
    std::vector<StringsEntry> out;
    for (;;) {
      if (auto r = skip_space(); !r) return std::unexpected(r.error());
      if (pos_ >= s_.size()) break;
      // Old-style plist braces around the whole file are allowed.
      if (s_[pos_] == '{' || s_[pos_] == '}') {
        ++pos_;
        continue;
      }
      if (out.size() >= max_) return fail("more than " + std::to_string(max_) + " entries");
      auto key = token();
      if (!key) return std::unexpected(key.error());
      if (auto r = skip_space(); !r) return std::unexpected(r.error());
      StringsEntry e{std::move(*key), {}};
      if (pos_ < s_.size() && s_[pos_] == ';') {  // `"key";` means the value is the key
        e.value = e.key;
      } else {
        if (pos_ >= s_.size() || s_[pos_] != '=') return fail("expected '=' after a key");
        ++pos_;
        if (auto r = skip_space(); !r) return std::unexpected(r.error());
        auto value = token();
        if (!value) return std::unexpected(value.error());
        e.value = std::move(*value);
        if (auto r = skip_space(); !r) return std::unexpected(r.error());
        if (pos_ >= s_.size() || s_[pos_] != ';') return fail("expected ';' after a value");
      }
      ++pos_;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  std::unexpected<Error> fail(std::string why) const {
    return std::unexpected(Error{ErrorCode::kMalformed, ".strings: " + why, {}, pos_});
  }

  Result<void> skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (s_.compare(pos_, 2, "/*") == 0) {
        size_t end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return fail("unterminated comment");
        pos_ = end + 2;
      } else if (s_.compare(pos_, 2, "//") == 0) {
        size_t end = s_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else {
        break;
      }
    }
    return {};
  }

  static bool unquoted_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::strchr("_$+/:.-", c) != nullptr;
  }

  Result<std::string> token() {
    if (pos_ >= s_.size()) return fail("unexpected end of file");
    if (s_[pos_] != '"') {
      size_t start = pos_;
      while (pos_ < s_.size() && unquoted_char(s_[pos_])) ++pos_;
      if (pos_ == start) return fail("expected a quoted string");
      return std::string(s_.substr(start, pos_ - start));
    }
    std::string out;
    for (++pos_; pos_ < s_.size(); ++pos_) {
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++pos_ >= s_.size()) break;
      switch (char e = s_[pos_]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'U': case 'u': {  // \U20AC: four hex digits
          uint32_t cp = 0;
          size_t i = 1;
          for (; i <= 4 && pos_ + i < s_.size(); ++i) {
            char h = s_[pos_ + i];
            int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) break;
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          if (i != 5) return fail("bad \\U escape");
          append_utf8_scalar(out, cp);
          pos_ += 4;
          break;
        }
        default: out += e; break;  // \" \\ \' and anything else stand for themselves
      }
    }
    return fail("unterminated string");
  }

  std::string_view s_;
  uint64_t max_;
  size_t pos_ = 0;
};

}  // namespace

bool looks_like_utf16_text(std::string_view bytes) {
  size_t skip = 0;
  return detect(bytes, skip) != Encoding::kUtf8;
}

std::string strings_text_to_utf8(std::string_view bytes) {
  size_t skip = 0;
  Encoding enc = detect(bytes, skip);
  bytes.remove_prefix(skip);
  if (enc == Encoding::kUtf8) return std::string(bytes);
  return utf16_to_utf8(bytes, enc == Encoding::kUtf16Be);
}

Result<std::vector<StringsEntry>> parse_strings_text(std::string_view utf8, uint64_t max_entries) {
  return StringsParser(utf8, max_entries).run();
}

}  // namespace keysweep::plist
