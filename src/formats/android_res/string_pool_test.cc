#include "formats/android_res/string_pool.h"

#include <gtest/gtest.h>

#include "formats/android_res/test_chunks.h"

namespace keysweep::android_res {
namespace {

using namespace test;

const std::vector<std::string> kStrings = {
    "5e2a9c7f1b3d8e0a6c4f2b9d7e1a3c5f", "", "Grüße, 你好, привет 🔑",
    std::string(300, 'k'),  // two-byte UTF-8 length prefix
};

// The pool holds views into `chunk`: callers keep the chunk alive while they use the pool.
Result<StringPool> parse(const std::string& chunk, Limits limits = {}) {
  ParseNotes notes;
  return StringPool::parse(chunk, 0, chunk.size(), limits, &notes);
}

class StringPoolEncodings : public ::testing::TestWithParam<bool> {};

TEST_P(StringPoolEncodings, ReadsEveryStringBackAsUtf8) {
  std::string chunk = string_pool(kStrings, GetParam());
  auto pool = parse(chunk);
  ASSERT_TRUE(pool) << pool.error().message;
  EXPECT_EQ(pool->utf8(), GetParam());
  ASSERT_EQ(pool->size(), kStrings.size());
  for (uint32_t i = 0; i < kStrings.size(); ++i) {
    auto s = pool->get(i);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(*s, kStrings[i]);
  }
}

TEST_P(StringPoolEncodings, IndexPastTheEndIsAnError) {
  const std::string chunk = string_pool(kStrings, GetParam());
  auto pool = parse(chunk);
  ASSERT_TRUE(pool);
  EXPECT_FALSE(pool->get(static_cast<uint32_t>(kStrings.size())));
  EXPECT_FALSE(pool->get(0xFFFFFFFF));
  EXPECT_EQ(pool->get_or_empty(99), "");
}

TEST_P(StringPoolEncodings, EveryTruncationIsAnErrorOrAShorterPoolNeverACrash) {
  std::string chunk = string_pool(kStrings, GetParam());
  for (size_t n = 0; n < chunk.size(); ++n) {
    std::string cut = chunk.substr(0, n);
    ParseNotes notes;
    auto pool = StringPool::parse(cut, 0, cut.size(), Limits{}, &notes);
    if (!pool) continue;
    for (uint32_t i = 0; i < pool->size(); ++i) {
      auto s = pool->get(i);
      if (s) {
        EXPECT_EQ(*s, kStrings[i]) << "cut at " << n;
      }
    }
  }
}

// Pools to check the fast paths against the checked ones: every truncation of a pool (offsets,
// prefixes and data cut anywhere), one with an offset past the data, one with a length past it.
std::vector<std::string> broken_pools(bool utf8) {
  std::vector<std::string> chunks;
  const std::string whole = string_pool(kStrings, utf8);
  for (size_t n = 0; n <= whole.size(); ++n) chunks.push_back(whole.substr(0, n));
  std::string far_offset = whole;
  far_offset.replace(28 + 4, 4, u32(0x10000));
  chunks.push_back(far_offset);
  std::string long_length = string_pool({"abcdef", "ghijklmn"}, utf8);
  long_length[28 + 8 + (utf8 ? 1 : 0)] = 0x7F;  // first string's length: 127, past the data
  chunks.push_back(long_length);
  return chunks;
}

TEST_P(StringPoolEncodings, ShorterThanAgreesWithUnitsForEveryIndex) {
  for (const std::string& chunk : broken_pools(GetParam())) {
    ParseNotes notes;
    auto pool = StringPool::parse(chunk, 0, chunk.size(), Limits{}, &notes);
    if (!pool) continue;
    for (uint32_t min_units : {0u, 1u, 6u, 20u, 33u, 301u}) {
      const StringPool::ShortStrings short_strings = pool->shorter_than(min_units);
      for (uint32_t i = 0; i < pool->size() + 70; ++i) {
        const std::optional<uint32_t> units = pool->units(i);
        EXPECT_EQ(short_strings.contains(i), units && *units < min_units)
            << "string " << i << ", under " << min_units << " units, pool of " << chunk.size()
            << " bytes";
        pool->prefetch(i);  // reads the offset table only in bounds (ASan)
      }
    }
  }
}

TEST_P(StringPoolEncodings, TryGetGivesWhatGetGivesOrDefersToIt) {
  std::vector<std::string> chunks = broken_pools(GetParam());
  chunks.push_back(string_pool({"key \xED\xA0\xBD\xED\xB4\x91"}, GetParam()));  // to repair
  size_t deferred = 0;
  for (const std::string& chunk : chunks) {
    ParseNotes notes;
    auto pool = StringPool::parse(chunk, 0, chunk.size(), Limits{}, &notes);
    if (!pool) continue;
    for (uint32_t i = 0; i < pool->size() + 2; ++i) {
      std::string scratch, get_scratch;
      const std::string_view fast = pool->try_get(i, scratch);
      auto checked = pool->get(i, get_scratch);
      if (fast.data() == nullptr) {
        ++deferred;
        continue;
      }
      ASSERT_TRUE(checked) << "string " << i << ": " << checked.error().message;
      EXPECT_EQ(fast, *checked) << "string " << i;
    }
  }
  EXPECT_GT(deferred, 0u);
}

INSTANTIATE_TEST_SUITE_P(Utf8AndUtf16, StringPoolEncodings, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Utf8" : "Utf16"; });

TEST(StringPool, Utf16LongStringUsesTwoUnitLength) {
  std::string long_string(0x8001, 'a');
  const std::string chunk = string_pool({long_string}, false);
  auto pool = parse(chunk);
  ASSERT_TRUE(pool);
  auto s = pool->get(0);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->size(), 0x8001u);
}

TEST(StringPool, CountOverTheLimitIsALimitError) {
  Limits limits;
  limits.max_strings = 2;
  const std::string chunk = string_pool(kStrings, true);
  auto pool = parse(chunk, limits);
  ASSERT_FALSE(pool);
  EXPECT_EQ(pool.error().code, ErrorCode::kLimit);
}

TEST(StringPool, CountTheChunkCannotHoldIsAnError) {
  std::string chunk = string_pool({"a", "b"}, true);
  chunk.replace(8, 4, u32(1'000'000));
  auto pool = parse(chunk);
  ASSERT_FALSE(pool);
  EXPECT_NE(pool.error().message.find("1000000 strings"), std::string::npos);
}

TEST(StringPool, OffsetOrLengthPastTheDataIsAnErrorForThatStringOnly) {
  std::string chunk = string_pool({"first", "second"}, false);
  chunk.replace(28 + 4, 4, u32(0x10000));  // second string's offset
  auto pool = parse(chunk);
  ASSERT_TRUE(pool);
  EXPECT_EQ(*pool->get(0), "first");
  EXPECT_FALSE(pool->get(1));

  std::string chunk8 = string_pool({"abc"}, true);
  chunk8[28 + 4 + 1] = 0x7F;  // byte length 127, far past the pool
  auto pool8 = parse(chunk8);
  ASSERT_TRUE(pool8);
  EXPECT_FALSE(pool8->get(0));
}

TEST(StringPool, JoinsCesu8SurrogatePairsFromAapt2) {
  // U+1F511 as aapt2 writes it in a UTF-8 pool: two 3-byte surrogates.
  std::string cesu = "key \xED\xA0\xBD\xED\xB4\x91";
  const std::string chunk = string_pool({cesu}, true);
  auto pool = parse(chunk);
  ASSERT_TRUE(pool);
  EXPECT_EQ(*pool->get(0), "key \xF0\x9F\x94\x91");
}

TEST(StringPool, BogusHeaderSizeWithStandardLayoutIsRead) {
  std::string chunk = string_pool({"alpha", "beta"}, true);
  chunk.replace(2, 2, u16(0x24));  // header size says 36; offsets still follow the 28 bytes
  ParseNotes notes;
  auto pool = StringPool::parse(chunk, 0, chunk.size(), Limits{}, &notes);
  ASSERT_TRUE(pool) << pool.error().message;
  EXPECT_EQ(*pool->get(1), "beta");
  EXPECT_FALSE(notes.messages().empty());
}

TEST(StringPool, NotAPoolIsAnError) {
  std::string chunk = string_pool({"a"}, true);
  chunk[0] = 0x02;
  EXPECT_FALSE(parse(chunk));
  EXPECT_FALSE(parse(std::string("\x01\x00\x1c", 3)));
}

}  // namespace
}  // namespace keysweep::android_res
