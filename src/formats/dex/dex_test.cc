// Tests of the DEX extractor as a user meets it: which symbol a secret in a DEX is reported under,
// that malformed DEX files give errors instead of crashes, and (the oracle) that the string table
// matches what androguard, an independent parser, reads from real apps.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "formats/dex/dex_code.h"
#include "formats/dex/dex_extractor.h"
#include "formats/dex/dex_file.h"
#include "formats/dex/mutf8.h"
#include "formats/labelled_text.h"

namespace keysweep {
namespace {

using dex::decode_mutf8;

// ---- MUTF-8 ---------------------------------------------------------------------------------

TEST(DexMutf8, AsciiAndTwoAndThreeByteSequencesPassThrough) {
  EXPECT_EQ(decode_mutf8("plain"), "plain");
  EXPECT_EQ(decode_mutf8("Gr\xC3\xBC\xC3\x9F" "e"), "Gr\xC3\xBC\xC3\x9F" "e");  // Grüße
  EXPECT_EQ(decode_mutf8("\xE5\xAF\x86\xE9\x92\xA5"), "\xE5\xAF\x86\xE9\x92\xA5");  // 密钥
}

TEST(DexMutf8, TwoByteNulBecomesNulByte) {
  EXPECT_EQ(decode_mutf8(std::string_view("a\xC0\x80z", 4)), std::string("a\0z", 3));
}

TEST(DexMutf8, SurrogatePairBecomesOneFourByteSequence) {
  // U+1F511 (key emoji) as MUTF-8 writes it: D83D and DD11, each a 3-byte sequence.
  EXPECT_EQ(decode_mutf8("k\xED\xA0\xBD\xED\xB4\x91!"), "k\xF0\x9F\x94\x91!");
}

TEST(DexMutf8, LoneSurrogatesBecomeReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(decode_mutf8("a\xED\xA0\x80" "b"), "a" + fffd + "b");        // high, then ASCII
  EXPECT_EQ(decode_mutf8("a\xED\xB0\x80" "b"), "a" + fffd + "b");        // low alone
  EXPECT_EQ(decode_mutf8("\xED\xA0\x80"), fffd);                         // high at the end
  EXPECT_EQ(decode_mutf8("\xED\xA0\x80\xED\xA0\x80"), fffd + fffd);      // two highs
  EXPECT_EQ(decode_mutf8("\xED\xB0\x80\xED\xA0\xBD"), fffd + fffd);      // low before high
}

TEST(DexMutf8, MalformedBytesBecomeReplacementCharacterWithoutLosingTheRest) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(decode_mutf8("\x80secret"), fffd + "secret");      // stray continuation byte
  EXPECT_EQ(decode_mutf8("\xC3secret"), fffd + "secret");      // cut 2-byte sequence
  EXPECT_EQ(decode_mutf8("\xE5\xAFsecret"), fffd + fffd + "secret");  // cut 3-byte sequence
  EXPECT_EQ(decode_mutf8("\xE5"), fffd);
  EXPECT_EQ(decode_mutf8("\xFFx"), fffd + "x");
}

// ---- the bytecode walker ----------------------------------------------------------------------

std::string units(std::initializer_list<uint16_t> us) {
  std::string out;
  for (uint16_t u : us) {
    out += static_cast<char>(u & 0xff);
    out += static_cast<char>(u >> 8);
  }
  return out;
}

std::vector<uint32_t> const_strings(std::string_view insns, Result<void>* result = nullptr) {
  std::vector<uint32_t> found;
  auto r = dex::append_const_strings(insns, found);
  if (result) *result = r;
  return found;
}

TEST(DexCode, FindsConstStringAndJumboAndSkipsPayloadsBySize) {
  // const-string v0, #5; packed-switch payload (2 targets) whose words look like const-string;
  // const-string/jumbo v1, #0x10002; return-void.
  std::string code = units({0x001a, 0x0005, 0x0100, 0x0002, 0x0000, 0x0000, 0x001a, 0x0007,
                            0x001a, 0x0007, 0x011b, 0x0002, 0x0001, 0x000e});
  Result<void> r;
  EXPECT_EQ(const_strings(code, &r), (std::vector<uint32_t>{5, 0x10002}));
  EXPECT_TRUE(r);
}

TEST(DexCode, FillArrayAndSparseSwitchPayloadsAreSkipped) {
  // fill-array-data payload: width 1, 3 elements (2 code units of data), then a sparse-switch
  // payload with one key/target, then const-string #9.
  std::string code = units({0x0300, 0x0001, 0x0003, 0x0000, 0x1a1a, 0x001a,  //
                            0x0200, 0x0001, 0x001a, 0x0000, 0x001a, 0x0000,  //
                            0x001a, 0x0009});
  EXPECT_EQ(const_strings(code), (std::vector<uint32_t>{9}));
}

TEST(DexCode, InstructionCutShortIsAnErrorWithItsOffset) {
  Result<void> r;
  const_strings(units({0x000e, 0x011b, 0x0002}), &r);  // const-string/jumbo missing a unit
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 2u);
  const_strings(units({0x0100, 0xffff}), &r);  // packed-switch payload claiming 65535 targets
  EXPECT_FALSE(r);
}

TEST(DexCode, UnusedOpcodeStopsTheWalk) {
  Result<void> r;
  EXPECT_EQ(const_strings(units({0x001a, 0x0001, 0x003e, 0x001a, 0x0002}), &r),
            (std::vector<uint32_t>{1}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

// The walk looks widths up a block of units at a time: instructions that straddle the blocks'
// edges, payloads and errors past the first blocks must come out as they do in short code.
TEST(DexCode, LongCodeIsWalkedAcrossBlockEdges) {
  for (uint16_t filler : {0x006e, 0x0013, 0x0018}) {  // invoke-virtual (3), const/16 (2), const-wide (5)
    const int width = dex::instruction_width(static_cast<uint8_t>(filler));
    std::vector<uint16_t> code;
    std::vector<uint32_t> expected;
    for (uint32_t k = 0; code.size() < 1000; ++k) {
      if (k % 7 == 3) {
        code.insert(code.end(), {0x001a, static_cast<uint16_t>(k)});
        expected.push_back(k);
      } else if (k % 31 == 5) {
        code.insert(code.end(), {0x011b, static_cast<uint16_t>(k), 0x0001});
        expected.push_back(k | 0x10000);
      } else if (k == 40) {
        code.insert(code.end(), {0x0100, 0x0001, 0x0000, 0x0000, 0x001a, 0x0000});  // payload
      } else {
        code.push_back(filler);
        code.insert(code.end(), width - 1, 0x001a);  // operand units that look like const-string
      }
    }
    std::string insns;
    for (uint16_t u : code) insns += units({u});
    Result<void> r;
    EXPECT_EQ(const_strings(insns, &r), expected) << "filler " << filler;
    EXPECT_TRUE(r);
    // Cut short: the last instruction runs past the end, and the error names where it starts.
    const std::string cut = insns + units({0x011b, 0x0002});
    EXPECT_EQ(const_strings(cut, &r), expected);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().offset, insns.size());
    const std::string unused = insns + units({0x0073, 0x001a, 0x0009});
    EXPECT_EQ(const_strings(unused, &r), expected);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
    EXPECT_EQ(r.error().offset, insns.size());
  }
}

TEST(DexCode, WidthTableFollowsTheSpecFormats) {
  EXPECT_EQ(dex::instruction_width(0x18), 5);  // const-wide 51l
  EXPECT_EQ(dex::instruction_width(0x1a), 2);  // const-string 21c
  EXPECT_EQ(dex::instruction_width(0x1b), 3);  // const-string/jumbo 31c
  EXPECT_EQ(dex::instruction_width(0x26), 3);  // fill-array-data 31t
  EXPECT_EQ(dex::instruction_width(0x6e), 3);  // invoke-virtual 35c
  EXPECT_EQ(dex::instruction_width(0xd8), 2);  // add-int/lit8 22b
  EXPECT_EQ(dex::instruction_width(0xfa), 4);  // invoke-polymorphic 45cc
  EXPECT_EQ(dex::instruction_width(0xff), 2);  // const-method-type 21c
  EXPECT_EQ(dex::instruction_width(0x73), 0);  // unused
}

// ---- the extractor on the fixture -------------------------------------------------------------

struct Extracted {
  Result<void> result;
  std::vector<Blob> children;
  std::vector<Diagnostic> diagnostics;
};

Extracted extract(std::string_view bytes, const Limits& limits = Limits{}) {
  Blob blob(bytes, nullptr, {"app.apk", "classes.dex"});
  CollectingDiagnostics diagnostics;
  uint64_t expanded = 0;
  ExtractContext ctx{limits, diagnostics, &expanded};
  Extracted out;
  out.result = DexExtractor().extract(blob, ctx, [&](Blob b) { out.children.push_back(std::move(b)); });
  out.diagnostics = diagnostics.take();
  return out;
}

// The label of the rendered line holding `value` ("" when the value is not rendered).
std::string label_of(const Blob& text, std::string_view value) {
  std::string needle = " = \"" + std::string(value) + "\"\n";
  size_t at = text.bytes().find(needle);
  if (at == std::string_view::npos) return "";
  return std::string(text.label_at(at));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class DexFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string out = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/android";
    const std::string cmd = std::string(KEYSWEEP_SOURCE_DIR) +
                            "/tests/fixtures/android/build_dex_fixtures.sh '" + out + "'";
    int rc = std::system(cmd.c_str());
    status_ = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (status_ == 0) bytes_ = read_file(out + "/classes.dex");
  }
  void SetUp() override {
    if (status_ == 77) GTEST_SKIP() << "smali is not installed (apt-get install libsmali-java)";
    ASSERT_EQ(status_, 0) << "build_dex_fixtures.sh failed";
    ASSERT_FALSE(bytes_.empty());
  }
  static inline int status_ = -1;
  static inline std::string bytes_;
};

TEST_F(DexFixture, SecretsAreReportedUnderTheFieldOrMethodThatHoldsThem) {
  Extracted x = extract(bytes_);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  EXPECT_TRUE(x.diagnostics.empty()) << x.diagnostics.front().to_string();
  ASSERT_EQ(x.children.size(), 1u);
  const Blob& text = x.children[0];
  EXPECT_EQ(text.chain(), (std::vector<std::string>{"app.apk", "classes.dex", "strings"}));
  EXPECT_FALSE(text.has_meaningful_lines());

  EXPECT_EQ(label_of(text, "8c1f5a2e9d7b3c6f0a4e1d8b2c9f7a3e"), "com.example.Config.TWILIO_AUTH_TOKEN");
  EXPECT_NE(text.bytes().find("com.example.Config.TWILIO_AUTH_TOKEN = \"8c1f5a2e"), std::string::npos);
  EXPECT_EQ(label_of(text, "api.sms.example.test"), "com.example.Config.ENDPOINT_NAME");
  EXPECT_EQ(label_of(text, "AKIAQ7LM2XW4RTZ5KDNB"), "com.example.sms.TwilioClient.send()");
  EXPECT_EQ(label_of(text, "jumbo-loaded-string-value"), "com.example.sms.TwilioClient.send()");
  // Strings placed after switch and array payloads: found only if payloads are skipped by size.
  EXPECT_EQ(label_of(text, "packed-default-choice"), "com.example.sms.TwilioClient.pick()");
  EXPECT_EQ(label_of(text, "after-packed-payload-value"), "com.example.sms.TwilioClient.pick()");
  EXPECT_EQ(label_of(text, "after-fill-array-payload"), "com.example.sms.TwilioClient.pick()");
  // Decoded to UTF-8: non-ASCII, a supplementary character, a lone surrogate.
  EXPECT_EQ(label_of(text, "Grüße-Passwört-ключ-密钥"), "com.example.sms.TwilioClient.greetings()");
  EXPECT_EQ(label_of(text, "key-\xF0\x9F\x94\x91-supplementary"),
            "com.example.sms.TwilioClient.greetings()");
  EXPECT_EQ(label_of(text, "lone-\xEF\xBF\xBD-surrogate"), "com.example.sms.TwilioClient.greetings()");
  // A string no code loads is listed under its index; short strings are left out.
  EXPECT_EQ(label_of(text, "annotation-only-value-7731").rfind("dex string #", 0), 0u);
  // Names (type descriptors, method and field names) no code loads are not listed.
  EXPECT_EQ(label_of(text, "Lcom/example/sms/TwilioClient;"), "");
  EXPECT_EQ(label_of(text, "pick"), "");
  EXPECT_EQ(label_of(text, "send"), "");
  // Nor is a class's own simple name that the class loads (a log tag), attributed or not.
  EXPECT_EQ(text.bytes().find("\"TwilioClient\""), std::string::npos);
  // Each attributed string has exactly one line: attribution removes it from the pool.
  EXPECT_EQ(text.bytes().find("AKIAQ7LM2XW4RTZ5KDNB", text.bytes().find("AKIAQ7LM2XW4RTZ5KDNB") + 1),
            std::string::npos);
}

TEST_F(DexFixture, OutputIsTheSameOnEveryRun) {
  Extracted a = extract(bytes_), b = extract(bytes_);
  ASSERT_EQ(a.children.size(), 1u);
  ASSERT_EQ(b.children.size(), 1u);
  EXPECT_EQ(a.children[0].bytes(), b.children[0].bytes());
}

TEST_F(DexFixture, SniffsByContentNotName) {
  DexExtractor ex;
  EXPECT_TRUE(ex.sniff(Blob(bytes_, nullptr, {"renamed.bin"})));
  EXPECT_FALSE(ex.sniff(Blob("dex\n099\0", nullptr, {"classes.dex"})));
  EXPECT_FALSE(ex.sniff(Blob("PK\3\4", nullptr, {"classes.dex"})));
}

// ---- malformed input --------------------------------------------------------------------------

void put_u32(std::string& s, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (8 * i));
}
uint32_t get_u32(const std::string& s, size_t off) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(s[off + i])} << (8 * i);
  return v;
}

TEST_F(DexFixture, TruncatedHeaderIsAnError) {
  Extracted x = extract(std::string_view(bytes_).substr(0, 0x40));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().code, ErrorCode::kMalformed);
  EXPECT_NE(x.result.error().message.find("truncated DEX header"), std::string::npos);
}

TEST_F(DexFixture, TruncatedFileIsAnErrorNamingBothSizes) {
  Extracted x = extract(std::string_view(bytes_).substr(0, bytes_.size() / 2));
  ASSERT_FALSE(x.result);
  EXPECT_NE(x.result.error().message.find("truncated DEX"), std::string::npos);
  EXPECT_EQ(x.result.error().offset, bytes_.size() / 2);
}

TEST_F(DexFixture, StringIdsPastTheEndIsAnErrorAtTheHeaderField) {
  std::string bad = bytes_;
  put_u32(bad, 0x3c, static_cast<uint32_t>(bad.size()) - 8);  // string_ids_off near the end
  Extracted x = extract(bad);
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().offset, 0x38u);
  EXPECT_NE(x.result.error().message.find("string_ids"), std::string::npos);
}

TEST_F(DexFixture, HugeCountsAreRejectedBeforeAnyAllocation) {
  std::string bad = bytes_;
  put_u32(bad, 0x38, 0xFFFFFFFF);  // string_ids_size
  Extracted x = extract(bad);
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().code, ErrorCode::kLimit);

  Limits generous;
  generous.max_strings = UINT64_MAX;
  x = extract(bad, generous);  // within the limit, but more ids than the file could hold
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().offset, 0x38u);

  bad = bytes_;
  put_u32(bad, 0x60, 0x10000000);  // class_defs_size
  x = extract(bad);
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().offset, 0x60u);
}

TEST_F(DexFixture, BadClassDataSkipsThatClassOnlyAndKeepsItsStrings) {
  // Point the first class's class_data_off at an over-long uleb128 written over the DEX's last
  // bytes (the map list, which the extractor does not read).
  std::string bad = bytes_;
  const uint32_t class_defs_off = get_u32(bad, 0x64);
  const size_t junk = bad.size() - 8;
  for (size_t i = junk; i < bad.size(); ++i) bad[i] = '\xFF';
  put_u32(bad, class_defs_off + 24, static_cast<uint32_t>(junk));
  auto first = dex::DexFile::parse(bad, Limits{});
  ASSERT_TRUE(first);
  auto def = first->class_def(0);
  auto descriptor = first->type_descriptor_idx(def->class_idx);
  ASSERT_TRUE(descriptor);
  const std::string class_name = dex::java_class_name(*first->string_at(*descriptor));

  Extracted x = extract(bad);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  ASSERT_EQ(x.diagnostics.size(), 1u);
  EXPECT_EQ(x.diagnostics[0].path, "app.apk!classes.dex");
  EXPECT_NE(x.diagnostics[0].message.find("class " + class_name + " skipped"), std::string::npos)
      << x.diagnostics[0].message;
  EXPECT_NE(x.diagnostics[0].message.find("uleb128"), std::string::npos) << x.diagnostics[0].message;
  ASSERT_EQ(x.children.size(), 1u);
  // The other class is still attributed; the broken one's strings fall back to the pool.
  const Blob& text = x.children[0];
  const bool config_broken = class_name == "com.example.Config";
  EXPECT_EQ(label_of(text, "8c1f5a2e9d7b3c6f0a4e1d8b2c9f7a3e").rfind("dex string #", 0) == 0,
            config_broken);
  EXPECT_EQ(label_of(text, "AKIAQ7LM2XW4RTZ5KDNB").rfind("dex string #", 0) == 0, !config_broken);
}

// A method's name is read only when the method loads a string, but its index is checked for
// every method with code, as before: a name past the string table skips the class, whose
// strings are then listed unattributed.
TEST_F(DexFixture, MethodNamePastTheStringTableSkipsItsClass) {
  std::string bad = bytes_;
  const uint32_t methods = get_u32(bad, 0x58), method_ids_off = get_u32(bad, 0x5c);
  for (uint32_t i = 0; i < methods; ++i) put_u32(bad, method_ids_off + i * 8 + 4, 0x7FFFFFFF);
  Extracted x = extract(bad);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  ASSERT_FALSE(x.diagnostics.empty());
  for (const Diagnostic& d : x.diagnostics) {
    EXPECT_NE(d.message.find("skipped"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("string index 2147483647 out of range"), std::string::npos) << d.message;
  }
  ASSERT_EQ(x.children.size(), 1u);
  EXPECT_EQ(label_of(x.children[0], "AKIAQ7LM2XW4RTZ5KDNB").rfind("dex string #", 0), 0u);
}

TEST_F(DexFixture, EveryTruncationAndByteFlipGivesAValueNotACrash) {
  // Deterministic mini-fuzz over the fixture (run it under ASan/UBSan to make it sharp).
  for (size_t n = 0; n < bytes_.size(); n += 7) (void)extract(std::string_view(bytes_).substr(0, n));
  size_t errors = 0;
  for (size_t i = 0; i < bytes_.size(); ++i) {
    std::string flipped = bytes_;
    flipped[i] = static_cast<char>(flipped[i] ^ 0xA5);
    if (!extract(flipped).result) ++errors;
  }
  EXPECT_GT(errors, 0u);  // header flips must be caught, or the checks above are not running
}

// A DEX whose `classes` class_defs all point at one class_data_item whose one method has
// `code_units` instructions (nops), as a hostile file could to multiply the parser's work.
std::string shared_code_dex(uint32_t classes, uint32_t code_units) {
  const std::string descriptor = "Lcom/example/Shared;";
  const std::string value = "shared-config-value-4417";  // a string no code loads, not a name
  const uint32_t class_defs_off = 0x88;
  const uint32_t class_data_off = class_defs_off + 32 * classes;
  const uint32_t code_off = (class_data_off + 16) & ~3u;
  const uint32_t string_off = code_off + 16 + 2 * code_units;
  const uint32_t value_off = string_off + 2 + static_cast<uint32_t>(descriptor.size());
  std::string d(value_off + 2 + value.size(), '\0');
  d.replace(0, 8, std::string("dex\n035\0", 8));
  put_u32(d, 0x20, static_cast<uint32_t>(d.size()));
  put_u32(d, 0x24, 0x70);
  put_u32(d, 0x28, 0x12345678);
  put_u32(d, 0x38, 2), put_u32(d, 0x3c, 0x70);            // two strings
  put_u32(d, 0x40, 1), put_u32(d, 0x44, 0x78);            // one type
  put_u32(d, 0x58, 1), put_u32(d, 0x5c, 0x7c);            // one method
  put_u32(d, 0x60, classes), put_u32(d, 0x64, class_defs_off);
  put_u32(d, 0x70, string_off), put_u32(d, 0x74, value_off);
  for (uint32_t i = 0; i < classes; ++i) put_u32(d, class_defs_off + 32 * i + 24, class_data_off);
  // class_data_item: 0 static, 0 instance, 1 direct, 0 virtual; method 0, public, code_off.
  std::string cd = {0, 0, 1, 0, 0, 1};
  for (uint32_t v = code_off; ; v >>= 7) {
    cd += static_cast<char>((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    if (v < 0x80) break;
  }
  d.replace(class_data_off, cd.size(), cd);
  put_u32(d, code_off + 12, code_units);
  d[string_off] = static_cast<char>(descriptor.size());
  d.replace(string_off + 1, descriptor.size(), descriptor);
  d[value_off] = static_cast<char>(value.size());
  d.replace(value_off + 1, value.size(), value);
  return d;
}

TEST(DexHostile, ClassesSharingOneHugeMethodStopAtTheWorkBudget) {
  std::string d = shared_code_dex(2000, 50000);
  Extracted x = extract(d);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  bool limit_reported = false;
  for (const Diagnostic& diag : x.diagnostics) limit_reported |= diag.kind == DiagnosticKind::kLimit;
  EXPECT_TRUE(limit_reported);
  ASSERT_EQ(x.children.size(), 1u);
  EXPECT_EQ(label_of(x.children[0], "shared-config-value-4417"), "dex string #1");
  EXPECT_EQ(label_of(x.children[0], "Lcom/example/Shared;"), "") << "a type name is not listed";

  // The same layout with two classes is within budget and reads cleanly.
  x = extract(shared_code_dex(2, 50));
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  EXPECT_TRUE(x.diagnostics.empty()) << x.diagnostics.front().to_string();
}

TEST(DexHostile, StringIdsIntoOneUnterminatedRegionDoNotRescanIt) {
  const uint32_t ids = 20000, region = 200000;
  const uint32_t region_off = 0x70 + 4 * ids;
  std::string d(region_off + region, 'A');
  std::fill(d.begin(), d.begin() + region_off, '\0');
  d.replace(0, 8, std::string("dex\n035\0", 8));
  put_u32(d, 0x20, static_cast<uint32_t>(d.size()));
  put_u32(d, 0x24, 0x70);
  put_u32(d, 0x28, 0x12345678);
  put_u32(d, 0x38, ids), put_u32(d, 0x3c, 0x70);
  for (uint32_t i = 0; i < ids; ++i) put_u32(d, 0x70 + 4 * i, region_off);
  d[region_off] = 1;  // utf16_size, then 'A's up to the end: no terminating NUL
  Extracted x = extract(d);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  ASSERT_EQ(x.diagnostics.size(), 1u);
  EXPECT_NE(x.diagnostics[0].message.find("20000 of 20000 strings"), std::string::npos)
      << x.diagnostics[0].message;
}

// Strings packed back to back, of every length around the 8-byte steps the terminator search
// takes, plain or with a MUTF-8 NUL (C0 80, which only decoding turns into '\0') at every
// position: each must end at its own NUL and come out decoded exactly when it needs decoding.
TEST(DexStrings, EveryLengthAndNonAsciiPositionEndsAtItsOwnNul) {
  std::vector<std::string> want;
  std::string data;
  for (size_t len = 0; len <= 20; ++len) {
    for (size_t mark = 0; mark <= len; ++mark) {  // mark == len: plain ASCII
      std::string raw(len, 'a'), decoded(len, 'a');
      for (size_t i = 0; i < len; ++i) raw[i] = decoded[i] = static_cast<char>('a' + (i + len) % 26);
      if (mark < len) raw.replace(mark, 1, "\xC0\x80"), decoded[mark] = '\0';
      data += static_cast<char>(len);  // utf16_size
      data += raw;
      data += '\0';
      want.push_back(decoded);
    }
  }
  const uint32_t ids = static_cast<uint32_t>(want.size()), data_off = 0x70 + 4 * ids;
  std::string d(data_off, '\0');
  d.replace(0, 8, std::string("dex\n035\0", 8));
  d += data;
  put_u32(d, 0x20, static_cast<uint32_t>(d.size()));
  put_u32(d, 0x24, 0x70);
  put_u32(d, 0x28, 0x12345678);
  put_u32(d, 0x38, ids), put_u32(d, 0x3c, 0x70);
  for (uint32_t i = 0, off = data_off; i < ids; ++i) {
    put_u32(d, 0x70 + 4 * i, off);
    off += 1 + static_cast<uint32_t>(std::count(want[i].begin(), want[i].end(), '\0')) +
           static_cast<uint32_t>(want[i].size()) + 1;
  }
  size_t bad = 0;
  auto dex = dex::DexFile::parse(d, Limits{});
  ASSERT_TRUE(dex) << dex.error().to_string();
  auto got = dex::read_string_table(*dex, &bad);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(*got, want);
}

// ---- oracle: androguard -----------------------------------------------------------------------

std::vector<std::string> read_json_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line).get<std::string>());
  return out;
}

// The renderer writes "\n" and "\r" inside values as two characters.
std::string rendered(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

// (label, value) of every rendered line.
std::set<std::pair<std::string, std::string>> line_set(const Blob& text) {
  std::set<std::pair<std::string, std::string>> out;
  for (const RenderedLine& l : rendered_lines(text)) out.emplace(l.label, l.value);
  return out;
}

TEST_F(DexFixture, OracleStringTablesAndConstStringsMatchAndroguard) {
  const std::string helper = std::string(KEYSWEEP_SOURCE_DIR) + "/src/formats/dex/androguard_strings.py";
  if (std::system("/usr/bin/python3 -c 'import androguard' 2>/dev/null") != 0) {
    GTEST_SKIP() << "androguard is not installed (apt-get install androguard)";
  }
  const std::string out = std::string(KEYSWEEP_BINARY_DIR) + "/dex_oracle";
  const std::string cmd = "rm -rf '" + out + "' && /usr/bin/python3 " + helper + " '" + out +
                          "' /usr/share/doc/androguard/examples '" + KEYSWEEP_BINARY_DIR +
                          "/fixtures/android/classes.dex' 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  std::ifstream index(out + "/index.tsv");
  size_t files = 0, strings_compared = 0, consts_compared = 0;
  bool saw_fixture = false;
  for (std::string line; std::getline(index, line);) {
    std::istringstream fields(line);
    std::string sha, count, undecodable, source;
    std::getline(fields, sha, '\t');
    std::getline(fields, count, '\t');
    std::getline(fields, undecodable, '\t');
    std::getline(fields, source);
    SCOPED_TRACE(source);
    ++files;
    saw_fixture |= source.ends_with("fixtures/android/classes.dex");
    const std::string bytes = read_file(out + "/" + sha + ".dex");
    auto ours = dex::read_string_table(bytes, Limits{});
    ASSERT_TRUE(ours) << ours.error().to_string();
    const auto theirs = read_json_lines(out + "/" + sha + ".strings");
    // Same table, same order (androguard decoded every string of these files).
    ASSERT_EQ(undecodable, "0");
    ASSERT_EQ(ours->size(), theirs.size());
    for (size_t i = 0; i < theirs.size(); ++i) ASSERT_EQ((*ours)[i], theirs[i]) << "string #" << i;
    strings_compared += theirs.size();

    // What a user sees: every string of 8 bytes or more that is not a name (androguard's type,
    // proto, field and method ids) or that code loads is in the rendered text, and every
    // const-string androguard's disassembler finds is under its method.
    std::set<size_t> names;
    std::ifstream names_file(out + "/" + sha + ".names");
    for (size_t i; names_file >> i;) names.insert(i);
    // A class's own simple name loaded by that class (its log tag) is not rendered
    // (names_the_class in dex_extractor.cc): "DefaultDrmSession", or "Outer" and "Inner" for
    // "Outer$Inner".
    auto class_name_parts = [](const std::string& java_name) {
      std::set<std::string> parts;
      const std::string simple = java_name.substr(java_name.rfind('.') + 1);
      parts.insert(simple);
      for (size_t from = 0; from <= simple.size();) {
        const size_t dollar = std::min(simple.find('$', from), simple.size());
        parts.insert(simple.substr(from, dollar - from));
        from = dollar + 1;
      }
      return parts;
    };
    std::set<std::string> class_names;  // every part of every defined class's simple name
    for (const std::string& descriptor : read_json_lines(out + "/" + sha + ".classes"))
      class_names.merge(class_name_parts(dex::java_class_name(descriptor)));
    std::set<std::pair<std::string, std::string>> expected_method_lines;
    std::set<std::string> loaded;  // strings some const-string loads, other than a class's own name
    std::ifstream consts(out + "/" + sha + ".consts");
    for (std::string c; std::getline(consts, c);) {
      auto j = nlohmann::json::parse(c);
      const std::string value = j[2].get<std::string>();
      if (value.size() < kShortestSecret) continue;
      const std::string java_class = dex::java_class_name(j[0].get<std::string>());
      if (class_name_parts(java_class).count(value)) continue;
      loaded.insert(value);
      expected_method_lines.emplace(java_class + "." + j[1].get<std::string>() + "()",
                                    rendered(value));
    }
    Extracted x = extract(bytes);
    ASSERT_TRUE(x.result) << x.result.error().to_string();
    for (const Diagnostic& d : x.diagnostics) ADD_FAILURE() << d.to_string();
    ASSERT_LE(x.children.size(), 1u);
    std::set<std::pair<std::string, std::string>> lines;  // a DEX of names only renders nothing
    if (!x.children.empty()) lines = line_set(x.children[0]);
    std::set<std::string> values;
    std::set<std::pair<std::string, std::string>> method_lines;
    for (const auto& [label, value] : lines) {
      values.insert(value);
      if (label.ends_with("()")) method_lines.emplace(label, value);
    }
    size_t missing = 0;
    for (size_t i = 0; i < theirs.size(); ++i) {
      const std::string& s = theirs[i];
      if (s.size() < kShortestSecret) continue;
      if ((names.count(i) || class_names.count(s)) && !loaded.count(s)) continue;
      if (!values.count(rendered(s)) && ++missing <= 5) ADD_FAILURE() << "not rendered: " << s;
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(method_lines, expected_method_lines);
    consts_compared += expected_method_lines.size();
  }
  EXPECT_TRUE(saw_fixture);
  EXPECT_GE(files, 40u);  // the examples hold 49 distinct DEX files
  RecordProperty("dex_files", std::to_string(files));
  RecordProperty("strings_compared", std::to_string(strings_compared));
  RecordProperty("method_strings_compared", std::to_string(consts_compared));
  std::printf("oracle: %zu DEX files, %zu strings, %zu (method, string) pairs compared\n", files,
              strings_compared, consts_compared);
}

}  // namespace
}  // namespace keysweep
