#include "formats/android_res/binary_xml.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "formats/android_res/string_pool.h"
#include "io/byte_reader.h"

namespace keysweep::android_res {

namespace {

constexpr size_t kNodeHeaderMin = 16;  // ResXMLTree_node: chunk header, lineNumber, comment
constexpr size_t kAttrExtSize = 20;    // ResXMLTree_attrExt
constexpr size_t kAttributeSize = 20;  // ResXMLTree_attribute
constexpr size_t kMaxOpenElements = 4096;

// Framework attributes whose names packers mask: Android looks them up by resource id, so the id
// is what counts, whatever the string pool says.
struct KnownAttribute {
  uint32_t id;
  const char* name;
};
constexpr KnownAttribute kKnownAttributes[] = {
    {0x01010001, "label"},       {0x01010003, "name"},        {0x01010018, "authorities"},
    {0x01010024, "value"},       {0x01010025, "resource"},    {0x01010027, "scheme"},
    {0x01010028, "host"},        {0x0101021b, "versionCode"}, {0x0101021c, "versionName"},
};

const char* known_attribute(uint32_t id) {
  for (const auto& k : kKnownAttributes) {
    if (k.id == id) return k.name;
  }
  return nullptr;
}

struct Namespace {
  uint32_t uri;
  std::string prefix;
};

class Parser {
 public:
  Parser(std::string_view data, const Limits& limits, BinaryXmlVisitor& visitor, ParseNotes& notes)
      : data_(data), limits_(limits), visitor_(visitor), notes_(notes) {}

  Result<BinaryXmlStats> run() {
    auto type = ByteReader(data_).le_at<uint16_t>(0);
    auto hsize = ByteReader(data_).le_at<uint16_t>(2);
    auto size = ByteReader(data_).le_at<uint32_t>(4);
    if (!type || !hsize || !size) {
      return make_error(ErrorCode::kMalformed, "binary XML shorter than its 8-byte header", {}, 0);
    }
    if (*hsize < 8 || *hsize > data_.size()) {
      return make_error(ErrorCode::kMalformed,
                        "binary XML header size " + std::to_string(*hsize), {}, 0);
    }
    if (*type != kResXml) notes_.add("binary XML header has chunk type " + hex(*type));
    size_t end = data_.size();
    if (*size > data_.size()) {
      notes_.add("header declares " + std::to_string(*size) + " bytes, file has " +
                 std::to_string(data_.size()) + "; read to the end of the file");
    } else if (*size < data_.size()) {
      if (*size > *hsize) {
        notes_.add(std::to_string(data_.size() - *size) + " bytes after the declared end ignored");
        end = *size;
      } else {
        notes_.add("header declares " + std::to_string(*size) + " bytes; read the whole file");
      }
    }
    for (size_t pos = *hsize; pos + 8 <= end;) {
      auto c = read_chunk(data_, pos, end);
      if (!c) {
        // A pool whose size overshoots still has its strings; anything else ends the walk.
        auto t = ByteReader(data_).le_at<uint16_t>(pos);
        if (t && *t == kResStringPool && !have_pool_) {
          read_pool(pos, end);
        } else {
          notes_.add(c.error().message + "; rest of the document skipped");
        }
        break;
      }
      read_node(*c);
      if (visitor_.finished()) break;
      pos = c->end();
    }
    if (!have_pool_) {
      return make_error(ErrorCode::kMalformed, "binary XML has no string pool", {}, 0);
    }
    return stats_;
  }

 private:
  void read_pool(size_t pos, size_t limit) {
    auto pool = StringPool::parse(data_, pos, limit, limits_, &notes_);
    if (!pool) {
      notes_.add("string pool: " + pool.error().message);
      return;
    }
    pool_ = std::move(*pool);
    have_pool_ = true;
  }

  // String `index` of the pool. A UTF-8 string that needs no repair is a view into the document
  // itself; the others are decoded once each: a layout names the same elements and attributes
  // (android:layout_width, ...) on every node, and decoding UTF-16 on each use was most of the
  // parser's time. A string that fails to read is not kept, so each use notes its error. The view
  // is valid until the next call: callers copy it into storage they reuse.
  std::string_view str(uint32_t index, size_t at) {
    if (index == kNoIndex) return {};
    if (pool_.utf8()) {
      // try_get() decodes into the scratch only for UTF-16: a view here points into the pool.
      const std::string_view in_pool = pool_.try_get(index, utf16_scratch_);
      if (in_pool.data() != nullptr) return in_pool;
    }
    // The cache costs 40 bytes a string; a pool declaring more strings than any real layout
    // (a crafted file) is read without it.
    const bool cached = index < pool_.size() && pool_.size() <= kMaxCachedStrings;
    if (cached) {
      if (decoded_.empty()) decoded_.resize(pool_.size());
      if (decoded_[index]) return *decoded_[index];
    }
    auto s = pool_.get(index);
    if (!s) {
      notes_.add("node at " + hex(at) + ": " + s.error().message);
      return {};
    }
    std::optional<std::string>& slot = cached ? decoded_[index] : uncached_;
    slot = std::move(*s);
    return *slot;
  }

  void read_node(const ChunkHeader& c) {
    ByteReader r(data_.substr(0, c.end()));
    switch (c.type) {
      case kResStringPool:
        if (have_pool_) {
          notes_.add("second string pool at " + hex(c.offset) + " ignored");
        } else {
          read_pool(c.offset, c.end());
        }
        return;
      case kResXmlResourceMap:
        resource_map_ = data_.substr(c.body(), (c.size - c.header_size) / 4 * 4);
        return;
      case kResXmlStartNamespace:
      case kResXmlEndNamespace:
      case kResXmlStartElement:
      case kResXmlEndElement:
      case kResXmlCdata:
        break;
      default:
        return;  // unknown chunks are skipped by size, as Android does
    }
    if (c.header_size < kNodeHeaderMin) {
      notes_.add("node at " + hex(c.offset) + " has header size " + std::to_string(c.header_size));
      return;
    }
    size_t ext = c.body();
    auto u32 = [&](size_t off) { return r.le_at<uint32_t>(ext + off); };
    if (c.type == kResXmlStartNamespace || c.type == kResXmlEndNamespace) {
      auto prefix = u32(0), uri = u32(4);
      if (!prefix || !uri) {
        notes_.add("namespace node at " + hex(c.offset) + " cut short");
        return;
      }
      if (c.type == kResXmlStartNamespace) {
        namespaces_.push_back({*uri, std::string(str(*prefix, c.offset))});
      } else {
        for (size_t i = namespaces_.size(); i-- > 0;) {
          if (namespaces_[i].uri == *uri) {
            namespaces_.erase(namespaces_.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        }
      }
      return;
    }
    if (c.type == kResXmlEndElement) {
      if (overflow_ > 0) {
        --overflow_;
      } else if (open_ > 0) {
        visitor_.end_element(stack_[open_ - 1].name);
        --open_;
      }
      return;
    }
    if (c.type == kResXmlCdata) {
      auto index = u32(0);
      if (!index) return;
      const std::string_view text = str(*index, c.offset);
      if (!text.empty()) visitor_.text(open_ > 0 ? &stack_[open_ - 1] : nullptr, text);
      return;
    }
    read_start_element(c, r);
  }

  void read_start_element(const ChunkHeader& c, const ByteReader& r) {
    size_t ext = c.body();
    auto name = r.le_at<uint32_t>(ext + 4);
    auto attr_start = r.le_at<uint16_t>(ext + 8);
    auto attr_size = r.le_at<uint16_t>(ext + 10);
    auto attr_count = r.le_at<uint16_t>(ext + 12);
    if (!name || !attr_start || !attr_size || !attr_count || ext + kAttrExtSize > c.end()) {
      notes_.add("element at " + hex(c.offset) + " cut short");
      return;
    }
    // One element and its attributes are reused from node to node, and so are the open elements'
    // slots: their strings keep their buffers, so a layout's thousands of nodes are read without
    // allocating a string for each name and value.
    XmlElement& e = element_;
    e.name = str(*name, c.offset);
    e.depth = open_;
    size_t stride = *attr_size;
    if (stride < kAttributeSize) {
      notes_.add("element <" + e.name + "> declares attribute size " + std::to_string(stride));
      stride = kAttributeSize;
    }
    size_t first = ext + *attr_start;
    size_t room = first + kAttributeSize <= c.end() ? (c.end() - first - kAttributeSize) / stride + 1 : 0;
    size_t count = *attr_count;
    if (count > room) {
      notes_.add("element <" + e.name + "> claims " + std::to_string(count) +
                 " attributes, room for " + std::to_string(room));
      count = room;
    }
    e.attributes.resize(count);
    for (size_t i = 0; i < count; ++i) {
      size_t a = first + i * stride;
      uint32_t ns = *r.le_at<uint32_t>(a);
      uint32_t aname = *r.le_at<uint32_t>(a + 4);
      uint32_t raw = *r.le_at<uint32_t>(a + 8);
      XmlAttribute& attr = e.attributes[i];
      attr.data_type = *r.le_at<uint8_t>(a + 15);
      attr.data = *r.le_at<uint32_t>(a + 16);
      attr.resource_id = 0;
      if (aname != kNoIndex && static_cast<uint64_t>(aname) * 4 + 4 <= resource_map_.size()) {
        attr.resource_id = *ByteReader(resource_map_).le_at<uint32_t>(static_cast<size_t>(aname) * 4);
      }
      if (const char* known = known_attribute(attr.resource_id)) {
        attr.name.assign("android:").append(known);
      } else {
        const std::string_view local = str(aname, c.offset);
        const std::string& prefix = prefix_for(ns);
        if (prefix.empty()) {
          attr.name.assign(local);
        } else {
          attr.name.assign(prefix).append(":").append(local);
        }
      }
      const bool has_text = attr.data_type == kTypeString || raw != kNoIndex;
      if (!has_text) {
        attr.text.reset();
        continue;
      }
      const std::string_view text = str(attr.data_type == kTypeString ? attr.data : raw, c.offset);
      if (attr.text) {
        attr.text->assign(text);
      } else {
        attr.text.emplace(text);
      }
    }
    stats_.elements++;
    stats_.attributes += e.attributes.size();
    visitor_.start_element(e);
    // Open elements are kept for the text they may hold, with only their name attribute: a deep
    // stack of copies of long values would let a small file take a lot of memory.
    if (open_ >= kMaxOpenElements) {
      if (overflow_++ == 0) {
        notes_.add("elements nested deeper than " + std::to_string(kMaxOpenElements));
      }
      return;
    }
    if (open_ == stack_.size()) stack_.emplace_back();
    XmlElement& open = stack_[open_++];
    open.name = e.name;
    open.depth = e.depth;
    size_t kept = 0;
    for (const XmlAttribute& a : e.attributes) {
      if (a.name != "android:name" && a.name != "name") continue;
      if (kept == open.attributes.size()) open.attributes.emplace_back();
      open.attributes[kept++] = a;
    }
    open.attributes.resize(kept);
  }

  const std::string& prefix_for(uint32_t uri) const {
    static const std::string kNone;
    if (uri == kNoIndex) return kNone;
    for (size_t i = namespaces_.size(); i-- > 0;) {
      if (namespaces_[i].uri == uri) return namespaces_[i].prefix;
    }
    return kNone;
  }

  std::string_view data_;
  const Limits& limits_;
  BinaryXmlVisitor& visitor_;
  ParseNotes& notes_;
  StringPool pool_;
  bool have_pool_ = false;
  static constexpr uint32_t kMaxCachedStrings = 1 << 16;
  std::vector<std::optional<std::string>> decoded_;  // by pool index; see str()
  std::optional<std::string> uncached_;              // str()'s result when not in decoded_
  std::string utf16_scratch_;                        // try_get()'s, unused for a UTF-8 pool
  std::string_view resource_map_;
  std::vector<Namespace> namespaces_;
  XmlElement element_;             // the start element being read
  std::vector<XmlElement> stack_;  // open elements in [0, open_); slots past it keep their buffers
  size_t open_ = 0;
  uint64_t overflow_ = 0;  // start elements past kMaxOpenElements, not on the stack
  BinaryXmlStats stats_;
};

class ManifestVisitor final : public BinaryXmlVisitor {
 public:
  void start_element(const XmlElement& e) override {
    if (found || e.depth != 0 || e.name != "manifest") return;
    found = true;
    for (const auto& a : e.attributes) {
      if (a.name == "package" && a.text) {
        info.package = *a.text;
      } else if (a.resource_id == 0x0101021c || a.name == "android:versionName") {
        if (a.text && a.data_type != kTypeReference) info.version_name = *a.text;
      } else if (a.resource_id == 0x0101021b || a.name == "android:versionCode") {
        if (a.data_type == kTypeIntDec || a.data_type == kTypeIntHex) {
          info.version_code = a.data;
        } else if (a.text) {
          uint32_t v = 0;
          auto [p, ec] = std::from_chars(a.text->data(), a.text->data() + a.text->size(), v);
          if (ec == std::errc() && p == a.text->data() + a.text->size()) info.version_code = v;
        }
      }
    }
  }
  // The first <manifest> root decides the identity, and a root element is only read with the
  // string pool in hand (its name comes from the pool), so nothing after it can change the result.
  bool finished() const override { return found; }
  bool found = false;
  ManifestInfo info;
};

}  // namespace

bool looks_like_binary_xml(std::string_view data) {
  ByteReader r(data);
  auto type = r.le_at<uint16_t>(0);
  auto hsize = r.le_at<uint16_t>(2);
  auto next_type = r.le_at<uint16_t>(8);
  auto next_hsize = r.le_at<uint16_t>(10);
  return type && next_type && next_hsize && (*type == kResXml || *type == kResNull) &&
         *hsize == 8 && *next_type == kResStringPool && *next_hsize >= 28;
}

Result<BinaryXmlStats> parse_binary_xml(std::string_view data, const Limits& limits,
                                        BinaryXmlVisitor& visitor, ParseNotes& notes) {
  return Parser(data, limits, visitor, notes).run();
}

Result<ManifestInfo> parse_manifest_identity(std::string_view axml) {
  Limits limits;
  ParseNotes notes;
  ManifestVisitor v;
  auto r = parse_binary_xml(axml, limits, v, notes);
  if (!r) return std::unexpected(r.error());
  if (!v.found) return make_error(ErrorCode::kMalformed, "no <manifest> root element");
  return v.info;
}

}  // namespace keysweep::android_res
