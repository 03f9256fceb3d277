#include "formats/elf/elf_extractor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "formats/format_test_support.h"

namespace keysweep {
namespace {

using format_test::read_file;

// Builds a real shared library for Android's arm64 ABI with clang and lld (Debian's clang-16),
// holding a fake Twilio token in a named constant.
class ElfFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / "keysweep-elf-test";
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "native.c") << "const char twilio_auth_token[] = "
                                        "\"5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f\";\n"
                                        "const char *key_name(void) { return \"api_key\"; }\n";
    std::string cmd = "clang-16 --target=aarch64-linux-android21 -shared -nostdlib -fuse-ld=lld "
                      "-O1 -o " + (dir_ / "libnative.so").string() + " " +
                      (dir_ / "native.c").string() + " 2>" + (dir_ / "cc.log").string();
    built_ = std::system(cmd.c_str()) == 0;
  }
  static inline std::filesystem::path dir_;
  static inline bool built_ = false;
};

TEST_F(ElfFixture, ParsesAnAndroidArm64Library) {
  ASSERT_TRUE(built_) << read_file(dir_ / "cc.log");
  std::string so = read_file(dir_ / "libnative.so");
  auto info = parse_elf(so);
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_TRUE(info->is64);
  EXPECT_EQ(info->abi, "arm64-v8a");
  bool has_rodata = false;
  for (const auto& s : info->sections) has_rodata |= s.name == ".rodata" && elf_section_holds_strings(s);
  EXPECT_TRUE(has_rodata);
  auto syms = elf_data_symbols(so, *info);
  bool found = false;
  for (const auto& s : syms) found |= s.name == "twilio_auth_token" && s.size == 33;
  EXPECT_TRUE(found);
}

TEST_F(ElfFixture, EmitsSectionsLabelledWithTheSymbol) {
  ASSERT_TRUE(built_) << read_file(dir_ / "cc.log");
  std::string so = read_file(dir_ / "libnative.so");
  Blob blob(so, nullptr, {"app.apk", "lib/arm64-v8a/libnative.so"});
  ElfExtractor ex;
  ASSERT_TRUE(ex.sniff(blob));
  auto x = format_test::extract(ex, blob);
  ASSERT_TRUE(x.result);
  bool found = false;
  for (const Blob& c : x.children) {
    auto pos = c.bytes().find("5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f");
    if (pos == std::string_view::npos) continue;
    found = true;
    EXPECT_EQ(c.chain().back(), ".rodata");
    EXPECT_EQ(c.label_at(pos), "twilio_auth_token (arm64-v8a)");
    EXPECT_EQ(c.label_at(pos + 40), "(arm64-v8a)");  // past the symbol's end
    EXPECT_EQ(c.bytes().find('\0'), std::string_view::npos);  // NULs became line breaks
  }
  EXPECT_TRUE(found);
}

TEST(Elf, MalformedInputsAreErrorsNotCrashes) {
  EXPECT_FALSE(parse_elf("not an elf at all, but long enough to have a header ......"));
  std::string header(64, '\0');
  header.replace(0, 4, "\x7f" "ELF");
  header[4] = 2;  // 64-bit
  header[5] = 1;  // little endian
  EXPECT_FALSE(parse_elf(header));  // no section headers
  // Section table pointing past the end of the file.
  header[0x28] = '\x40';
  header[0x3A] = 64;
  header[0x3C] = 10;
  auto r = parse_elf(header);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("outside the file"), std::string::npos);
  // Every truncation of a real-looking header fails cleanly.
  for (size_t n = 0; n < header.size(); ++n) EXPECT_FALSE(parse_elf(header.substr(0, n)));
}

}  // namespace
}  // namespace keysweep
