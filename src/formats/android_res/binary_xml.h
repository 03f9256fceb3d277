// Binary XML (AXML): AndroidManifest.xml, res/xml/*.xml and layouts inside an APK. A RES_XML_TYPE
// chunk holding a string pool, a resource map (attribute name -> framework attribute id) and a
// flat list of namespace / element / text nodes.
//
// Packers and malware bend the format as far as Android's own parser lets them: a wrong total
// size, a zero chunk type, a nonzero styles offset with no styles, attribute names masked while
// their resource id stays. The parser accepts what Android accepts, notes the rest and never
// reads outside the buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/android_res/res_chunk.h"
#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::android_res {

struct XmlAttribute {
  std::string name;                 // "android:name", "package": prefix from the namespace
  uint32_t resource_id = 0;         // framework attribute id from the resource map, or 0
  std::optional<std::string> text;  // the value when it is a string
  uint8_t data_type = 0;            // Res_value dataType
  uint32_t data = 0;                // Res_value data
};

struct XmlElement {
  std::string name;
  std::vector<XmlAttribute> attributes;
  size_t depth = 0;  // 0 for the root
};

class BinaryXmlVisitor {
 public:
  virtual ~BinaryXmlVisitor() = default;
  virtual void start_element(const XmlElement& e) = 0;
  virtual void end_element(std::string_view name) {}
  // Character data; `element` is the innermost open element (holding only its name attribute),
  // or null outside any.
  virtual void text(const XmlElement* element, std::string_view text) {}
  // True once the visitor has all it wants: the walk stops after the node that made it so. (The
  // app identity needs the root element only; a manifest has hundreds of nodes after it.)
  virtual bool finished() const { return false; }
};

struct BinaryXmlStats {
  uint64_t elements = 0;
  uint64_t attributes = 0;
};

// True when `data` starts like binary XML: a header of size 8 whose type is RES_XML_TYPE (or 0,
// which Android does not check) followed by a string pool chunk.
bool looks_like_binary_xml(std::string_view data);

Result<BinaryXmlStats> parse_binary_xml(std::string_view data, const Limits& limits,
                                        BinaryXmlVisitor& visitor, ParseNotes& notes);

// The app identity a manifest declares, for the APK layer to attach to findings.
struct ManifestInfo {
  std::string package;
  std::string version_name;  // empty when absent or a reference to a resource
  std::optional<uint32_t> version_code;
};

Result<ManifestInfo> parse_manifest_identity(std::string_view axml);

}  // namespace keysweep::android_res
