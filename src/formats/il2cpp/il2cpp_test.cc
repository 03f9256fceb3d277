#include <gtest/gtest.h>

#include "formats/il2cpp/il2cpp_extractor.h"
#include "formats/il2cpp/il2cpp_metadata.h"
#include "formats/format_test_support.h"
#include "formats/il2cpp/il2cpp_test_file.h"

namespace keysweep {
namespace {

using il2cpp_test::build_metadata;
using il2cpp_test::put32;
using format_test::Extracted;

const std::string kAwsKeyId = "AKIAR4M7QZ2W6HJ5TNVX";
const std::vector<std::string> kLiterals = {"Player", "https://api.example.org/v2/scores", kAwsKeyId,
                                            "Grüße aus dem Spiel ✓", ""};

Extracted extract(const std::string& bytes) {
  Blob blob(bytes, nullptr, {"game.apk", "assets/bin/Data/Managed/Metadata/global-metadata.dat"});
  Il2CppMetadataExtractor ex;
  EXPECT_TRUE(ex.sniff(blob));
  return format_test::extract(ex, blob);
}

class Il2CppVersions : public ::testing::TestWithParam<int32_t> {};

TEST_P(Il2CppVersions, ReadsEveryLiteral) {
  const std::string file = build_metadata(GetParam(), kLiterals);  // the literals are views into it
  auto md = parse_il2cpp_metadata(file);
  ASSERT_TRUE(md) << md.error().to_string();
  EXPECT_EQ(md->version, GetParam());
  EXPECT_FALSE(md->length_free_literals);
  ASSERT_EQ(md->literals.size(), kLiterals.size());
  for (size_t i = 0; i < kLiterals.size(); ++i) EXPECT_EQ(md->literals[i], kLiterals[i]);
}

// 24: Unity 2017.1-2020.1; 27: 2020.2-2021.1; 29: 2021.2-2022.2; 31: 2022.3 and Unity 6.
INSTANTIATE_TEST_SUITE_P(Versions, Il2CppVersions, ::testing::Values(24, 27, 29, 31));

TEST(Il2Cpp, Version31WithoutLengthsIsRecognisedByItsShape) {
  const std::string file = build_metadata(31, kLiterals, /*length_free=*/true);
  auto md = parse_il2cpp_metadata(file);
  ASSERT_TRUE(md) << md.error().to_string();
  EXPECT_TRUE(md->length_free_literals);
  ASSERT_EQ(md->literals.size(), kLiterals.size());
  for (size_t i = 0; i < kLiterals.size(); ++i) EXPECT_EQ(md->literals[i], kLiterals[i]);
}

TEST(Il2Cpp, RendersLiteralsAndDefaultValues) {
  // Default values: a const string as IL2CPP 29+ writes it (compressed length, then UTF-8).
  const std::string defaults = std::string("\x20") + "9f4c2e7a1b5d3f8e6c0a2d4b7e9f1c3a" + "\x02\x00\x00\x00";
  auto r = extract(build_metadata(29, kLiterals, false, defaults));
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.children.size(), 2u);
  const Blob& lits = r.children[0];
  EXPECT_EQ(lits.chain().back(), "string literals");
  auto pos = lits.bytes().find(kAwsKeyId);
  ASSERT_NE(pos, std::string_view::npos);
  EXPECT_EQ(lits.label_at(pos), "il2cpp literal #2");
  EXPECT_NE(lits.bytes().find("il2cpp_literal__2 = \"" + kAwsKeyId + "\""), std::string_view::npos);
  EXPECT_NE(lits.bytes().find("Grüße aus dem Spiel ✓"), std::string_view::npos);
  EXPECT_EQ(lits.bytes().find("Player"), std::string_view::npos);  // too short to matter
  const Blob& dv = r.children[1];
  EXPECT_EQ(dv.chain().back(), "default values");
  pos = dv.bytes().find("9f4c2e7a1b5d3f8e6c0a2d4b7e9f1c3a");
  ASSERT_NE(pos, std::string_view::npos);
  EXPECT_EQ(dv.label_at(pos), "il2cpp field/parameter default values");
  EXPECT_EQ(dv.bytes().find('\0'), std::string_view::npos);
}

TEST(Il2Cpp, OtherVersionsAreUnsupported) {
  for (int32_t v : {16, 23, 32, 35, -1}) {
    auto md = parse_il2cpp_metadata(build_metadata(v, kLiterals));
    ASSERT_FALSE(md);
    EXPECT_EQ(md.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(md.error().message.find("version " + std::to_string(v) + " is not supported"),
              std::string::npos);
  }
  auto r = extract(build_metadata(35, kLiterals));
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().path, "game.apk!assets/bin/Data/Managed/Metadata/global-metadata.dat");
}

TEST(Il2Cpp, BadTablesAreErrorsNamingTheReason) {
  const std::string good = build_metadata(27, kLiterals);
  for (size_t n = 0; n < good.size(); ++n) {
    auto md = parse_il2cpp_metadata(good.substr(0, n));
    if (n < 256 + kLiterals.size() * 8) {
      EXPECT_FALSE(md) << n;
    }
  }
  std::string bad = good;
  put32(bad, 12, 0xFFFFFFF8);  // literal table size
  auto md = parse_il2cpp_metadata(bad);
  ASSERT_FALSE(md);
  EXPECT_NE(md.error().message.find("string literal table (offset 256, 4294967288 bytes) lies outside"),
            std::string::npos)
      << md.error().message;
  bad = good;
  put32(bad, 12, 13);  // not a whole number of entries
  EXPECT_FALSE(parse_il2cpp_metadata(bad));
  // One literal pointing past the data: skipped with a warning, the others still read.
  bad = good;
  put32(bad, 256 + 8 * 1 + 4, 0x7FFFFFF0);
  auto r = extract(bad);
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].to_string().find("1 string literals lie outside the literal data"), std::string::npos);
  EXPECT_NE(r.children[0].bytes().find(kAwsKeyId), std::string_view::npos);
  EXPECT_FALSE(parse_il2cpp_metadata("\xAF\x1B\xB1\xFA"));
  EXPECT_FALSE(parse_il2cpp_metadata("not metadata"));
}

}  // namespace
}  // namespace keysweep
