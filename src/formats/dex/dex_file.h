// A read-only view of one DEX file: the header and its id tables, checked against the file size
// once at parse time, and accessors that check every item they read. Raw on-disk layouts stay in
// dex_file.cc; this header exposes only what the extractor needs.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/limits.h"
#include "keysweep/error.h"

namespace keysweep::dex {

inline constexpr size_t kHeaderSize = 0x70;

// True for "dex\n0NN\0" with NN from 35 to 41, the versions the format spec defines.
bool has_dex_magic(std::string_view bytes);

struct DexHeader {
  uint32_t version = 0;  // 35..41
  uint32_t file_size = 0;
  uint32_t string_ids_size = 0, string_ids_off = 0;
  uint32_t type_ids_size = 0, type_ids_off = 0;
  uint32_t proto_ids_size = 0, proto_ids_off = 0;
  uint32_t field_ids_size = 0, field_ids_off = 0;
  uint32_t method_ids_size = 0, method_ids_off = 0;
  uint32_t class_defs_size = 0, class_defs_off = 0;
};

struct MemberId {  // field_id_item and method_id_item share this shape
  uint16_t class_idx = 0;
  uint16_t type_or_proto_idx = 0;
  uint32_t name_idx = 0;
};

struct ClassDef {
  uint32_t class_idx = 0;
  uint32_t class_data_off = 0;
  uint32_t static_values_off = 0;
};

struct EncodedMethod {
  uint32_t method_idx = 0;
  uint32_t code_off = 0;  // 0 for abstract and native methods
};

struct ClassData {
  std::vector<uint32_t> static_field_idx;  // in declaration order, which static_values follows
  std::vector<EncodedMethod> methods;      // direct methods, then virtual methods
  size_t encoded_size = 0;                 // bytes the class_data_item takes in the file
};

// One entry of a class's static_values: its position and, when it is a VALUE_STRING, the string.
struct StaticString {
  uint32_t position = 0;  // index into ClassData::static_field_idx
  uint32_t string_idx = 0;
};

class StringTable;

class DexFile {
 public:
  // Checks the magic, the endianness and that every id table lies inside the file; fails with the
  // offending header offset otherwise. `bytes` must outlive the DexFile.
  static Result<DexFile> parse(std::string_view bytes, const Limits& limits);

  const DexHeader& header() const { return header_; }

  // The raw MUTF-8 bytes of string `idx` (without the NUL), looking at most `max_len` bytes for
  // the NUL (`*searched` gets how many it looked at; `*ascii` whether every byte is below 0x80),
  // and the decoded UTF-8 string.
  Result<std::string_view> string_data(uint32_t idx, size_t max_len = SIZE_MAX,
                                       size_t* searched = nullptr, bool* ascii = nullptr) const;
  Result<std::string> string_at(uint32_t idx) const;
  // The string index of type `idx`'s descriptor ("Lcom/example/Foo;").
  Result<uint32_t> type_descriptor_idx(uint32_t idx) const;
  // The string index of proto `idx`'s shorty descriptor ("VLL").
  Result<uint32_t> proto_shorty_idx(uint32_t idx) const;
  Result<MemberId> field_id(uint32_t idx) const {
    return member_id(header_.field_ids_off, header_.field_ids_size, idx, "field");
  }
  Result<MemberId> method_id(uint32_t idx) const {
    return member_id(header_.method_ids_off, header_.method_ids_size, idx, "method");
  }
  // Calls `f` with the string index of every type descriptor, proto shorty, field name and method
  // name, in table order. The tables were checked at parse time, so their entries are read
  // without a Result each (a DEX has tens of thousands of them).
  template <class F>
  void for_each_name_string(F&& f) const {
    for (uint32_t i = 0; i < header_.type_ids_size; ++i) f(in_table<uint32_t>(header_.type_ids_off + size_t{i} * 4));
    for (uint32_t i = 0; i < header_.proto_ids_size; ++i) f(in_table<uint32_t>(header_.proto_ids_off + size_t{i} * 12));
    for (uint32_t i = 0; i < header_.field_ids_size; ++i) f(in_table<uint32_t>(header_.field_ids_off + size_t{i} * 8 + 4));
    for (uint32_t i = 0; i < header_.method_ids_size; ++i) f(in_table<uint32_t>(header_.method_ids_off + size_t{i} * 8 + 4));
  }
  Result<ClassDef> class_def(uint32_t idx) const;
  // Reads into `out`, reusing its vectors' storage (one call per class adds up).
  Result<void> class_data(uint32_t offset, ClassData& out) const;
  // The instruction bytes of the code_item at `offset`. Inline where the item lies inside the
  // file (every method with code is read here); the checked read says what is wrong otherwise.
  Result<std::string_view> code_insns(uint32_t offset) const {
    // code_item: registers_size, ins_size, outs_size, tries_size (u16 each), debug_info_off
    // (u32), insns_size (u32, in 16-bit units), then the instructions.
    const size_t insns = size_t{offset} + 16;
    if (insns <= bytes_.size()) {
      const size_t units = in_table<uint32_t>(insns - 4);
      if (units * 2 <= bytes_.size() - insns) return bytes_.substr(insns, units * 2);
    }
    return code_insns_checked(offset);
  }
  // The VALUE_STRING entries of the encoded_array_item at `offset`, into `out` (cleared first);
  // `*encoded_size` gets the bytes it takes in the file.
  Result<void> static_strings(uint32_t offset, std::vector<StaticString>& out,
                              size_t* encoded_size) const;

 private:
  // Reads the string_ids table with string_data()'s checks inline (one call per string was a
  // third of the walk).
  friend Result<StringTable> read_strings(const DexFile& dex, size_t* bad_strings);
  DexFile(std::string_view bytes, DexHeader header) : bytes_(bytes), header_(header) {}
  // Inline, like field_id() and method_id(): every method of every class and every id of the
  // tables is looked up here, and parse() checked that each table lies inside the file, so an
  // index below the table's count is all an item needs to be in bounds.
  Result<MemberId> member_id(uint32_t table_off, uint32_t count, uint32_t idx,
                             const char* what) const {
    if (idx >= count) return index_error(what, idx);
    const size_t base = table_off + size_t{idx} * 8;
    return MemberId{in_table<uint16_t>(base), in_table<uint16_t>(base + 2),
                    in_table<uint32_t>(base + 4)};
  }
  static std::unexpected<Error> index_error(const char* what, uint32_t idx);
  Result<std::string_view> code_insns_checked(uint32_t offset) const;
  // The little-endian value at `offset` of a table parse() checked to lie inside the file.
  template <class T>
  T in_table(size_t offset) const {
    T v;
    std::memcpy(&v, bytes_.data() + offset, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
    return v;
  }

  std::string_view bytes_;  // cut to header.file_size
  DexHeader header_;
};

// "Lcom/example/sms/TwilioClient;" -> "com.example.sms.TwilioClient"; arrays and primitives are
// returned as they are.
std::string java_class_name(std::string_view descriptor);
// The same, appended to `out` (no string of its own).
void append_java_class_name(std::string& out, std::string_view descriptor);

// Every string of the string table as UTF-8, in index order, without a copy per string: a string
// of plain ASCII (in MUTF-8 the same bytes as in UTF-8; most strings of an app) is a view into the
// DEX, which must outlive the table; the others are decoded into one buffer the table owns. A
// string whose data lies outside the file is empty and counted in `bad_strings` (when given).
class StringTable {
 public:
  size_t size() const { return views_.size(); }
  std::string_view operator[](size_t i) const { return views_[i]; }

 private:
  friend Result<StringTable> read_strings(const DexFile& dex, size_t* bad_strings);
  std::vector<std::string_view> views_;
  // Behind a pointer so that moving the table never moves the characters the views point to.
  std::unique_ptr<std::string> decoded_ = std::make_unique<std::string>();
};
Result<StringTable> read_strings(const DexFile& dex, size_t* bad_strings = nullptr);

// Every string of the string table, decoded to UTF-8, in index order. A string whose data lies
// outside the file is returned empty and counted in `bad_strings` (when given). String data never
// overlaps in a valid file, so the bytes searched for terminators are capped at twice the file
// size: string ids that all point into one long NUL-free region cannot make this quadratic.
Result<std::vector<std::string>> read_string_table(const DexFile& dex, size_t* bad_strings = nullptr);
Result<std::vector<std::string>> read_string_table(std::string_view bytes, const Limits& limits);

}  // namespace keysweep::dex
