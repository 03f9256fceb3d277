#include <gtest/gtest.h>

#include "formats/hermes/hermes_extractor.h"
#include "formats/hermes/hermes_file.h"
#include "formats/hermes/hermes_test_file.h"
#include "formats/format_test_support.h"

namespace keysweep {
namespace {

using hermes_test::build_hbc;
using hermes_test::put32;
using hermes_test::TestString;
using hermes_test::utf16le;
using format_test::Extracted;

const std::string kAwsKeyId = "AKIAR4M7QZ2W6HJ5TNVX";
const std::string kLong = "https://api.example.org/" + std::string(300, 'q');

std::vector<TestString> sample_strings() {
  return {
      {"global", false},
      {"awsAccessKeyId", false},
      {kAwsKeyId, false},
      {utf16le(u"Schlüssel für den Dienst ✓"), true},
      {kLong, false},  // 324 bytes: through the overflow table
  };
}

Extracted extract(const std::string& bytes, uint64_t budget = 4ull << 30) {
  Blob blob(bytes, nullptr, {"app.apk", "assets/index.android.bundle"});
  Limits limits;
  limits.max_total_expanded = budget;
  HermesExtractor ex;
  EXPECT_TRUE(ex.sniff(blob));
  return format_test::extract(ex, blob, limits);
}

class HermesVersions : public ::testing::TestWithParam<uint32_t> {};

TEST_P(HermesVersions, ReadsTheStringTable) {
  const std::string file = build_hbc(GetParam(), sample_strings());  // the strings are views into it
  auto f = parse_hermes(file);
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->version, GetParam());
  ASSERT_EQ(f->strings.size(), 5u);
  EXPECT_EQ(f->strings[2].raw, kAwsKeyId);
  EXPECT_FALSE(f->strings[2].utf16);
  EXPECT_TRUE(f->strings[3].utf16);
  EXPECT_EQ(f->strings[4].raw, kLong);  // overflow entry
  EXPECT_EQ(f->bad_entries, 0u);
}

TEST_P(HermesVersions, RendersEachStringWithItsId) {
  auto r = extract(build_hbc(GetParam(), sample_strings()));
  ASSERT_TRUE(r.result) << r.result.error().to_string();
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.children.size(), 1u);
  const Blob& c = r.children[0];
  EXPECT_EQ(c.chain().back(), "strings");
  std::string_view text = c.bytes();
  auto pos = text.find(kAwsKeyId);
  ASSERT_NE(pos, std::string_view::npos) << text;
  EXPECT_EQ(c.label_at(pos), "hermes string #2");
  EXPECT_NE(text.find("hermes_string__2 = \"" + kAwsKeyId + "\""), std::string_view::npos);
  // UTF-16 strings come out as UTF-8.
  pos = text.find("Schlüssel für den Dienst ✓");
  ASSERT_NE(pos, std::string_view::npos) << text;
  EXPECT_EQ(c.label_at(pos), "hermes string #3");
  EXPECT_NE(text.find(kLong), std::string_view::npos);
  EXPECT_EQ(text.find("\"global\""), std::string_view::npos);  // too short to be a credential
}

// 84: function-source table added; 87: BigInt table; 90 and 94-96: what React Native 0.70-0.76
// ship. The fields read sit before all of these, so each must parse alike. 97-99: static Hermes,
// 12-byte function headers (a 16-byte reader would take the string table from the wrong place).
INSTANTIATE_TEST_SUITE_P(Versions, HermesVersions,
                         ::testing::Values(74u, 84u, 87u, 90u, 94u, 96u, 97u, 98u, 99u));

TEST(Hermes, FunctionHeaderSizeFollowsTheBranch) {
  EXPECT_EQ(hermes_function_header_size(73), 0u);
  EXPECT_EQ(hermes_function_header_size(74), 16u);
  EXPECT_EQ(hermes_function_header_size(96), 16u);
  EXPECT_EQ(hermes_function_header_size(97), 12u);
  EXPECT_EQ(hermes_function_header_size(99), 12u);
  EXPECT_EQ(hermes_function_header_size(100), 0u);
}

TEST(Hermes, StaticHermesFileWithOldFunctionHeadersIsRefusedNotMisread) {
  // A 99 file laid out with 16-byte function headers: the string kinds would be read from the
  // wrong place. The kind check catches it and says why.
  std::string old_layout = build_hbc(96, sample_strings());
  put32(old_layout, 8, 99);
  auto f = parse_hermes(old_layout);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(f.error().message.find("version 99 does not match the static Hermes layout"),
            std::string::npos) << f.error().message;
  // The right layout with a kind table that misses a string is refused the same way.
  std::string short_kinds = build_hbc(98, sample_strings());
  put32(short_kinds, 128 + 12, 4);  // one run of 4 strings, the table has 5
  f = parse_hermes(short_kinds);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("string kinds cover 4 strings and 0 identifiers, the header says 5 and 0"),
            std::string::npos) << f.error().message;
  // An identifier run must match identifierCount too.
  std::string ids = build_hbc(97, sample_strings());
  put32(ids, 128 + 12, 0x80000005u);
  EXPECT_FALSE(parse_hermes(ids));
}

TEST(Hermes, UnknownVersionsAreUnsupportedNotGuessed) {
  for (uint32_t v : {59u, 73u, 100u, 120u}) {
    auto f = parse_hermes(build_hbc(v, sample_strings()));
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, ErrorCode::kUnsupported);
    EXPECT_NE(f.error().message.find("version " + std::to_string(v) + " is not supported"),
              std::string::npos);
  }
  auto r = extract(build_hbc(100, sample_strings()));
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().path, "app.apk!assets/index.android.bundle");
}

TEST(Hermes, TruncatedFilesAreErrorsNamingTheTable) {
  // Cut anywhere before the end of the string storage: an error, never a crash or a read past.
  for (uint32_t version : {96u, 99u}) {
    const std::string file = build_hbc(version, sample_strings());
    const size_t storage_end = file.size() - 20;
    for (size_t n = 0; n + 4 < storage_end; ++n) EXPECT_FALSE(parse_hermes(file.substr(0, n))) << n;
  }
  const std::string good = build_hbc(96, sample_strings());
  auto f = parse_hermes(good.substr(0, 150));
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("runs past the end of the file"), std::string::npos)
      << f.error().message;
  // The header's fileLength says more than there is; strings that are present are still read.
  auto r = extract(good.substr(0, good.size() - 20));
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].to_string().find("truncated Hermes bytecode"), std::string::npos);
}

TEST(Hermes, AbsurdCountsAndOffsetsAreRefused) {
  std::string bad = build_hbc(90, sample_strings());
  put32(bad, 52, 0xFFFFFFFF);  // string count
  auto f = parse_hermes(bad);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kMalformed);
  EXPECT_NE(f.error().message.find("string table (4294967295 entries)"), std::string::npos);

  bad = build_hbc(90, sample_strings());
  put32(bad, 40, 0x20000000);  // function count
  EXPECT_FALSE(parse_hermes(bad));

  // A string entry pointing past the storage is skipped with a warning; the others are read.
  bad = build_hbc(90, sample_strings());
  const size_t table = hermes_test::string_table_offset(90);
  put32(bad, table + 1 * 4, (0x7FFFFFu << 1) | (200u << 24));
  auto r = extract(bad);
  ASSERT_TRUE(r.result);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].to_string().find("1 string-table entries point outside"), std::string::npos);
  ASSERT_EQ(r.children.size(), 1u);
  EXPECT_NE(r.children[0].bytes().find(kAwsKeyId), std::string_view::npos);

  // An overflow index past the overflow table.
  bad = build_hbc(90, sample_strings());
  put32(bad, table + 4 * 4, (7u << 1) | (255u << 24));
  auto g = parse_hermes(bad);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->bad_entries, 1u);
}

TEST(Hermes, OverlappingEntriesStopAtTheExpansionBudget) {
  // Many ids naming the same long string would render it many times: the budget ends that.
  std::vector<TestString> many(2000, TestString{std::string(300, 'z'), false});
  auto r = extract(build_hbc(96, many), 100'000);
  ASSERT_FALSE(r.result);
  EXPECT_EQ(r.result.error().code, ErrorCode::kLimit);
}

TEST(Hermes, DeltaFormAndOtherBytesAreNotParsed) {
  std::string delta = build_hbc(90, sample_strings());
  for (int i = 0; i < 8; ++i) delta[i] = static_cast<char>(~delta[i]);
  auto f = parse_hermes(delta);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(parse_hermes("var x = 'plain JS bundle';"));
  Blob js(std::string_view("__d(function(g,r,i,a,m,e,d){})"), nullptr, {"index.android.bundle"});
  EXPECT_FALSE(HermesExtractor().sniff(js));
}

}  // namespace
}  // namespace keysweep
