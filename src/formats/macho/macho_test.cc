#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "formats/format_test_support.h"
#include "formats/macho/macho_extractor.h"

namespace keysweep {
namespace {

using format_test::read_file;

struct Extracted : format_test::Extracted {
  // The label of the line holding `value`, or "" when no child has it.
  std::string label_of(std::string_view value) const {
    for (const Blob& c : children) {
      auto pos = c.bytes().find("\"" + std::string(value) + "\"");
      if (pos != std::string_view::npos) return std::string(c.label_at(pos));
    }
    return "";
  }
  size_t count_of(std::string_view value) const {
    size_t n = 0;
    for (const Blob& c : children)
      for (auto pos = c.bytes().find(value); pos != std::string_view::npos;
           pos = c.bytes().find(value, pos + 1))
        ++n;
    return n;
  }
};

Extracted extract(std::string_view bytes, std::string name = "Payload/Nav.app/Nav") {
  Blob blob(bytes, nullptr, {"nav.ipa", std::move(name)});
  return {format_test::extract(MachOExtractor(), blob)};
}

// Builds the fixtures once per process with tests/fixtures/ios/build_macho_fixtures.sh (clang-16,
// ld64.lld-16, llvm-lipo-16); skips only when the script says a tool is missing.
class MachOFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::string(KEYSWEEP_BINARY_DIR) + "/fixtures/ios-macho";
    int rc = std::system((std::string(KEYSWEEP_SOURCE_DIR) +
                          "/tests/fixtures/ios/build_macho_fixtures.sh '" + dir_ + "'")
                             .c_str());
    status_ = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  void SetUp() override {
    if (status_ == 77) GTEST_SKIP() << "clang-16/lld-16/llvm-16 not installed (scripts/install-deps)";
    ASSERT_EQ(status_, 0) << "build_macho_fixtures.sh failed";
  }
  static std::string fixture(const std::string& name) { return read_file(dir_ + "/" + name); }
  static inline std::string dir_;
  static inline int status_ = -1;
};

TEST_F(MachOFixture, ParsesAThinArm64Executable) {
  std::string bin = fixture("app-arm64");
  auto file = parse_macho(bin);
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_EQ(file->slices.size(), 1u);
  const MachOSlice& s = file->slices[0];
  EXPECT_EQ(s.arch, "arm64");
  EXPECT_TRUE(s.is64);
  EXPECT_FALSE(s.encrypted());
  EXPECT_TRUE(s.problems.empty());
  std::set<std::string> sections;
  for (const auto& sec : s.sections) sections.insert(sec.label());
  for (const char* want : {"__TEXT,__cstring", "__TEXT,__ustring", "__DATA_CONST,__cfstring"})
    EXPECT_TRUE(sections.count(want)) << want;
  bool chained = false;
  for (const auto& seg : s.segments) chained |= seg.name == "__DATA_CONST" && seg.chained_format == 2;
  EXPECT_TRUE(chained) << "expected DYLD_CHAINED_PTR_64 in __DATA_CONST";
}

TEST_F(MachOFixture, EveryStringKindIsFoundWithItsLabel) {
  for (const char* name : {"app-arm64", "app-x86_64"}) {
    SCOPED_TRACE(name);
    std::string bin = fixture(name);
    Extracted x = extract(bin);
    ASSERT_TRUE(x.result) << x.result.error().to_string();
    ASSERT_EQ(x.children.size(), 1u);
    EXPECT_EQ(x.children[0].chain().back(), "strings");
    const std::string arch = std::string(" [") + (std::string(name) == "app-arm64" ? "arm64" : "x86_64") + "]";
    // A C string returned from code: only its section names it.
    EXPECT_EQ(x.label_of("AKIAQ7LM2XW4RTZ5KDNB"), "__TEXT,__cstring" + arch);
    // A C string a named global points to: the pointer (a chained-fixup rebase on arm64, a plain
    // pointer on x86_64) is resolved and the global's symbol labels it.
    EXPECT_EQ(x.label_of("5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"), "_kTwilioAuthToken" + arch);
    // An inline array in __TEXT,__const, under its own symbol.
    EXPECT_EQ(x.label_of("inline-array-secret-9f3k2"), "_kInlineSecret" + arch);
    // Objective-C literals: CFString structs resolved to their characters.
    EXPECT_EQ(x.label_of("AC3f9b2e7d1c8a4f6e0b5d9c2a7e3f1b8d"), "__DATA_CONST,__cfstring" + arch);
    EXPECT_EQ(x.label_of("stripe_publishable_key_name"), "_kStripeKeyName" + arch);
    // The UTF-16 literal, converted to UTF-8.
    EXPECT_EQ(x.label_of("Grüße aus München: Schlüssel-7Q"), "__DATA_CONST,__cfstring" + arch);
    // The rendered key is the bare symbol, so keyword rules see `_kTwilioAuthToken = "…"`.
    EXPECT_NE(x.children[0].bytes().find("_kTwilioAuthToken = \"5e2a9c7f"), std::string_view::npos);
    // Each string once, even though the CFString and the __cstring both reach it.
    EXPECT_EQ(x.count_of("AC3f9b2e7d1c8a4f6e0b5d9c2a7e3f1b8d"), 1u);
    // Short strings are skipped; the raw bytes are not needed after a successful parse.
    EXPECT_EQ(x.count_of("\"main\""), 0u);
    EXPECT_FALSE(MachOExtractor().scan_raw_too());
    for (const Diagnostic& d : x.diagnostics) ADD_FAILURE() << d.to_string();
  }
}

TEST_F(MachOFixture, FatBinaryReportsEachStringOnceWithEverySlice) {
  std::string bin = fixture("app-fat");
  auto file = parse_macho(bin);
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_TRUE(file->fat);
  ASSERT_EQ(file->slices.size(), 2u);
  Extracted x = extract(bin);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  ASSERT_EQ(x.children.size(), 1u);
  // llvm-lipo orders slices x86_64 then arm64.
  std::string slices = "[" + file->slices[0].arch + ", " + file->slices[1].arch + "]";
  EXPECT_TRUE(slices == "[x86_64, arm64]" || slices == "[arm64, x86_64]") << slices;
  EXPECT_EQ(x.label_of("AKIAQ7LM2XW4RTZ5KDNB"), "__TEXT,__cstring " + slices);
  EXPECT_EQ(x.label_of("5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"), "_kTwilioAuthToken " + slices);
  EXPECT_EQ(x.label_of("Grüße aus München: Schlüssel-7Q"), "__DATA_CONST,__cfstring " + slices);
  EXPECT_EQ(x.count_of("AKIAQ7LM2XW4RTZ5KDNB"), 1u);
  EXPECT_EQ(x.count_of("5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f"), 1u);
}

TEST_F(MachOFixture, ObjectSlicesNameArmv7AndArm64e) {
  std::string bin = fixture("objs-fat");
  auto file = parse_macho(bin);
  ASSERT_TRUE(file) << file.error().to_string();
  ASSERT_EQ(file->slices.size(), 2u);
  EXPECT_EQ(file->slices[0].arch, "armv7");
  EXPECT_FALSE(file->slices[0].is64);
  EXPECT_EQ(file->slices[1].arch, "arm64e");
  Extracted x = extract(bin);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  EXPECT_EQ(x.label_of("AKIAQ7LM2XW4RTZ5KDNB"), "__TEXT,__cstring [armv7, arm64e]");
}

TEST_F(MachOFixture, EncryptedBinaryWarnsAndSkipsTheEncryptedRange) {
  std::string bin = fixture("app-encrypted");
  Extracted x = extract(bin);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  bool warned = false;
  for (const Diagnostic& d : x.diagnostics) {
    if (d.kind != DiagnosticKind::kEncrypted) continue;
    warned = true;
    EXPECT_EQ(d.path, "nav.ipa!Payload/Nav.app/Nav");
    EXPECT_NE(d.message.find("FairPlay-encrypted (arm64)"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("scan a decrypted IPA"), std::string::npos) << d.message;
  }
  EXPECT_TRUE(warned);
  // __TEXT's strings lie in the encrypted range (on a real device they would be ciphertext), and
  // so do the characters the CFStrings point to; nothing from there is reported.
  EXPECT_EQ(x.count_of("AKIAQ7LM2XW4RTZ5KDNB"), 0u);
  EXPECT_EQ(x.count_of("AC3f9b2e7d1c8a4f6e0b5d9c2a7e3f1b8d"), 0u);
  EXPECT_EQ(x.count_of("inline-array-secret"), 0u);
}

// Oracle: llvm-objdump's own listing of __TEXT,__cstring names the same strings (8 bytes or more).
TEST_F(MachOFixture, CStringsMatchLlvmObjdump) {
  const std::string path = dir_ + "/app-arm64";
  FILE* p = popen(("llvm-objdump-16 --macho --section=__TEXT,__cstring '" + path + "' 2>/dev/null").c_str(), "r");
  if (!p) GTEST_SKIP() << "llvm-objdump-16 not runnable";
  std::string listing;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) listing.append(buf, n);
  pclose(p);
  std::set<std::string> expected;
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    // "000000010000402c  AKIA…": 16 hex digits of address, two spaces, the string.
    if (line.size() < 18 || line.compare(16, 2, "  ") != 0 ||
        line.find_first_not_of("0123456789abcdef") != 16)
      continue;
    std::string s = line.substr(18);
    if (s.size() >= 8) expected.insert(s);
  }
  ASSERT_EQ(expected.size(), 4u) << listing;
  std::string bin = read_file(path);
  auto file = parse_macho(bin);
  ASSERT_TRUE(file);
  std::set<std::string> got;
  for (const MachOString& s : collect_macho_strings(*file).strings) got.insert(s.value);
  for (const std::string& s : expected) EXPECT_TRUE(got.count(s)) << s;
}

TEST_F(MachOFixture, EveryTruncationIsAnErrorOrAPartialResultNeverACrash) {
  std::string bin = fixture("app-x86_64");
  ASSERT_GT(bin.size(), 1000u);
  for (size_t n = 0; n < bin.size(); ++n) {
    std::string cut = bin.substr(0, n);  // its own allocation, so ASan sees reads past the end
    Extracted x = extract(cut);
    if (n < 32) {
      EXPECT_FALSE(x.result) << n;  // not even a whole header
    } else if (x.result) {
      // What did parse is labelled as usual; nothing is invented from bytes that were cut off.
      for (const Blob& c : x.children) EXPECT_EQ(c.chain().back(), "strings");
    }
  }
}

std::string minimal_thin64() {
  std::string h(32, '\0');
  auto put32 = [&](size_t off, uint32_t v) { std::memcpy(h.data() + off, &v, 4); };
  put32(0, 0xfeedfacf);
  put32(4, 0x0100000c);  // arm64
  put32(12, 2);          // MH_EXECUTE
  return h;
}

void put32(std::string& s, size_t off, uint32_t v) { std::memcpy(s.data() + off, &v, 4); }
void put64(std::string& s, size_t off, uint64_t v) { std::memcpy(s.data() + off, &v, 8); }
void put32be(std::string& s, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (24 - 8 * i));
}

TEST(MachO, HugeCountsAreErrorsNamingTheReason) {
  std::string h = minimal_thin64();
  put32(h, 16, 0xffffffff);  // ncmds
  put32(h, 20, 0);
  auto r = parse_macho(h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("ncmds"), std::string::npos) << r.error().message;

  put32(h, 16, 1);
  put32(h, 20, 0x7fffffff);  // sizeofcmds
  r = parse_macho(h);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("sizeofcmds"), std::string::npos) << r.error().message;

  Extracted x = extract(h, "Frameworks/Bad.framework/Bad");
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.error().path, "nav.ipa!Frameworks/Bad.framework/Bad");
}

TEST(MachO, SectionsPastTheEndAreReportedAndSkipped) {
  std::string f = minimal_thin64();
  // One LC_SEGMENT_64 with one section whose bytes lie past the end of the file.
  std::string cmd(72 + 80, '\0');
  put32(cmd, 0, 0x19);
  put32(cmd, 4, static_cast<uint32_t>(cmd.size()));
  std::memcpy(cmd.data() + 8, "__TEXT", 6);
  put64(cmd, 24, 0x100000000);  // vmaddr
  put64(cmd, 32, 0x4000);       // vmsize
  put32(cmd, 64, 1);            // nsects
  std::memcpy(cmd.data() + 72, "__cstring", 9);
  std::memcpy(cmd.data() + 72 + 16, "__TEXT", 6);
  put64(cmd, 72 + 32, 0x100000100);
  put64(cmd, 72 + 40, 0x1000);  // size
  put32(cmd, 72 + 48, 0x100);   // offset
  put32(f, 16, 1);
  put32(f, 20, static_cast<uint32_t>(cmd.size()));
  f += cmd;
  f += std::string(64, 'A');
  Extracted x = extract(f);
  ASSERT_TRUE(x.result) << x.result.error().to_string();
  EXPECT_TRUE(x.children.empty());
  bool reported = false;
  for (const Diagnostic& d : x.diagnostics)
    reported |= d.kind == DiagnosticKind::kMalformed &&
                d.message.find("section __TEXT,__cstring") != std::string::npos &&
                d.message.find("outside the file") != std::string::npos;
  EXPECT_TRUE(reported);

  // A load command whose size runs past sizeofcmds.
  put32(f, 32 + 4, 0x1000);
  auto r = parse_macho(f);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("runs past"), std::string::npos) << r.error().message;
}

TEST(MachO, BrokenFatHeadersAreErrors) {
  std::string fat(8 + 2 * 20, '\0');
  put32be(fat, 0, 0xcafebabe);
  put32be(fat, 4, 2);
  // Two slices over the same bytes.
  for (int i = 0; i < 2; ++i) {
    put32be(fat, 8 + 20 * i, 0x0100000c);
    put32be(fat, 8 + 20 * i + 8, 0x40);
    put32be(fat, 8 + 20 * i + 12, 0x40);
  }
  fat += std::string(0x80 - fat.size(), '\0');
  ASSERT_TRUE(macho_sniff(fat));
  auto r = parse_macho(fat);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("overlap"), std::string::npos) << r.error().message;

  // A slice past the end of the file.
  put32be(fat, 8 + 20 + 8, 0x1000);
  r = parse_macho(fat);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("outside the file"), std::string::npos) << r.error().message;

  // An absurd slice count.
  put32be(fat, 4, 40);
  r = parse_macho(fat);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nfat_arch"), std::string::npos) << r.error().message;

  // A Java class file has the same magic but reads as nfat_arch >= 45: not ours.
  put32be(fat, 4, 0x00000034);
  EXPECT_FALSE(macho_sniff(fat));
}

TEST(MachO, DecodesChainedFixupRebases) {
  MachOSlice s;
  s.segments.push_back({"__TEXT", 0x100000000, 0x4000, 0, 0x4000, 0});
  s.segments.push_back({"__DATA_CONST", 0x100004000, 0x4000, 0x4000, 0x4000, 2});
  // DYLD_CHAINED_PTR_64: next=2 in bits 51..62, target vmaddr in the low 36 bits.
  EXPECT_EQ(s.pointer_target(0x0010000100004055ull, 1), 0x100004055ull);
  EXPECT_EQ(s.pointer_target(0x8020000000000000ull, 1), std::nullopt);  // a bind
  s.segments[1].chained_format = 6;  // DYLD_CHAINED_PTR_64_OFFSET: offset from the image base
  EXPECT_EQ(s.pointer_target(0x0010000000004055ull, 1), 0x100004055ull);
  s.segments[1].chained_format = 1;  // DYLD_CHAINED_PTR_ARM64E: 43-bit vmaddr target
  EXPECT_EQ(s.pointer_target(0x0008000100004055ull, 1), 0x100004055ull);
  s.segments[1].chained_format = 12;  // ARM64E_USERLAND24: an auth rebase holds a 32-bit offset
  EXPECT_EQ(s.pointer_target(0x8001234500004055ull, 1), 0x100004055ull);
  EXPECT_EQ(s.pointer_target(0x4000000000000001ull, 1), std::nullopt);  // a bind
  s.segments[1].chained_format = 0;  // rebase opcodes: the field is the address
  EXPECT_EQ(s.pointer_target(0x100004055ull, 1), 0x100004055ull);
  EXPECT_EQ(s.vm_to_offset(0x100004055ull, 8), 0x4055u);
  EXPECT_EQ(s.vm_to_offset(0x100007ffcull, 8), std::nullopt);  // runs past the segment's bytes
}

}  // namespace
}  // namespace keysweep
