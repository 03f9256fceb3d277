#include "formats/plist/plist_document.h"

#include <plist/plist.h>

#include <cstdlib>
#include <ctime>
#include <memory>

#include "core/secret.h"
#include "core/utc_time.h"

namespace keysweep::plist {

namespace {

struct PlistFree {
  void operator()(plist_t p) const { plist_free(p); }
};
using PlistPtr = std::unique_ptr<void, PlistFree>;

class LeafCollector {
 public:
  LeafCollector(const PlistLimits& limits, std::vector<PlistLeaf>& out) : limits_(limits), out_(out) {}

  Result<void> visit(plist_t node, std::string& path, int depth) {
    if (depth > limits_.max_depth)
      return make_error(ErrorCode::kMalformed, "plist nests deeper than " + std::to_string(limits_.max_depth));
    if (++nodes_ > limits_.max_nodes)
      return make_error(ErrorCode::kLimit, "plist holds more than " + std::to_string(limits_.max_nodes) + " values");
    switch (plist_get_node_type(node)) {
      case PLIST_STRING: {
        uint64_t len = 0;
        const char* p = plist_get_string_ptr(node, &len);
        if (p) return add(path, std::string_view(p, len), PlistLeaf::Kind::kString);
        return {};
      }
      case PLIST_DATA: {
        uint64_t len = 0;
        const char* p = plist_get_data_ptr(node, &len);
        if (p) return add(path, std::string_view(p, len), PlistLeaf::Kind::kData);
        return {};
      }
      case PLIST_DATE: {
        int32_t sec = 0, usec = 0;
        plist_get_date_val(node, &sec, &usec);
        // Seconds since 2001-01-01, Apple's reference date.
        std::string date = format_utc(static_cast<std::time_t>(sec) + 978307200);
        if (date.empty()) return {};
        return add(path, date, PlistLeaf::Kind::kDate);
      }
      case PLIST_ARRAY: {
        uint32_t n = plist_array_get_size(node);
        for (uint32_t i = 0; i < n; ++i) {
          plist_t item = plist_array_get_item(node, i);
          if (!item) continue;
          size_t keep = path.size();
          path += "[" + std::to_string(i) + "]";
          auto r = visit(item, path, depth + 1);
          path.resize(keep);
          if (!r) return r;
        }
        return {};
      }
      case PLIST_DICT: {
        plist_dict_iter it = nullptr;
        plist_dict_new_iter(node, &it);
        if (!it) return {};
        Result<void> r;
        for (;;) {
          char* key = nullptr;
          plist_t val = nullptr;
          plist_dict_next_item(node, it, &key, &val);
          if (!val) {
            std::free(key);
            break;
          }
          size_t keep = path.size();
          if (!path.empty()) path += '.';
          path += key ? key : "";
          std::free(key);
          r = visit(val, path, depth + 1);
          path.resize(keep);
          if (!r) break;
        }
        std::free(it);
        return r;
      }
      default:
        return {};  // numbers, dates, booleans, UIDs: not credentials
    }
  }

 private:
  Result<void> add(const std::string& path, std::string_view value, PlistLeaf::Kind kind) {
    text_ += path.size() + value.size();
    if (text_ > limits_.max_text)
      return make_error(ErrorCode::kLimit, "plist text passes " + std::to_string(limits_.max_text) + " bytes");
    out_.push_back(PlistLeaf{path, std::string(value), kind});
    return {};
  }

  const PlistLimits& limits_;
  std::vector<PlistLeaf>& out_;
  uint64_t nodes_ = 0, text_ = 0;
};

std::string_view skip_bom_and_space(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) s.remove_prefix(1);
  return s;
}

}  // namespace

bool is_printable_text(std::string_view s) {
  if (s.empty() || !is_valid_utf8(s)) return false;
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool is_binary_plist(std::string_view bytes) { return bytes.starts_with("bplist00"); }

bool is_xml_plist(std::string_view bytes) {
  std::string_view s = skip_bom_and_space(bytes);
  if (!s.starts_with("<?xml") && !s.starts_with("<!DOCTYPE plist") && !s.starts_with("<plist"))
    return false;
  std::string_view head = s.substr(0, 1024);
  return head.find("<plist") != std::string_view::npos ||
         head.find("<!DOCTYPE plist") != std::string_view::npos;
}

Result<std::vector<PlistLeaf>> plist_leaves(std::string_view bytes, const PlistLimits& limits) {
  // libplist takes a 32-bit length.
  if (bytes.size() > UINT32_MAX) return make_error(ErrorCode::kLimit, "plist larger than 4 GiB");
  plist_t root = nullptr;
  if (is_binary_plist(bytes)) {
    if (auto ok = check_binary_plist(bytes, limits); !ok) return std::unexpected(ok.error());
    plist_from_bin(bytes.data(), static_cast<uint32_t>(bytes.size()), &root);
  } else if (is_xml_plist(bytes)) {
    // libplist parses any depth but frees trees recursively: a deep one overflows the stack.
    if (xml_plist_depth(bytes, limits.max_depth) > limits.max_depth)
      return make_error(ErrorCode::kMalformed, "XML plist nests deeper than " + std::to_string(limits.max_depth));
    plist_from_xml(bytes.data(), static_cast<uint32_t>(bytes.size()), &root);
  } else {
    return make_error(ErrorCode::kMalformed, "not a property list");
  }
  if (!root) return make_error(ErrorCode::kMalformed, "libplist could not parse the property list");
  PlistPtr owner(root);
  std::vector<PlistLeaf> leaves;
  std::string path;
  if (auto r = LeafCollector(limits, leaves).visit(root, path, 0); !r) return std::unexpected(r.error());
  return leaves;
}

}  // namespace keysweep::plist
