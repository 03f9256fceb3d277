#include <gtest/gtest.h>

#include <random>
#include <set>

#include "input/git_blob_list.h"
#include "input/object_id_index.h"

namespace keysweep {
namespace {

ObjectIdIndex::Id id_from(uint64_t seed) {
  std::mt19937_64 rng(seed);
  ObjectIdIndex::Id id;
  for (auto& b : id) b = static_cast<unsigned char>(rng());
  return id;
}

TEST(ObjectIdIndex, NumbersEachIdOnceInTheOrderFirstAdded) {
  ObjectIdIndex index;
  EXPECT_FALSE(index.find(id_from(1)));
  EXPECT_EQ(index.add(id_from(1)), std::make_pair(0u, true));
  EXPECT_EQ(index.add(id_from(2)), std::make_pair(1u, true));
  EXPECT_EQ(index.add(id_from(1)), std::make_pair(0u, false));
  EXPECT_FALSE(index.insert(id_from(2)));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.id(1), id_from(2));
  EXPECT_EQ(index.find(id_from(2)), 1u);
  EXPECT_FALSE(index.contains(id_from(3)));
}

// Past several table growths and id chunks (65,536 ids each), every id keeps its number.
TEST(ObjectIdIndex, KeepsNumbersAcrossGrowthAndChunks) {
  ObjectIdIndex index;
  constexpr uint32_t kIds = 300000;
  for (uint32_t n = 0; n < kIds; ++n) ASSERT_EQ(index.add(id_from(n)).first, n);
  for (uint32_t n = 0; n < kIds; n += 7) {
    ASSERT_EQ(index.find(id_from(n)), n);
    ASSERT_EQ(index.id(n), id_from(n));
  }
  EXPECT_FALSE(index.find(id_from(kIds)));
  EXPECT_EQ(index.add(id_from(123456)), std::make_pair(123456u, false));
  // The point of the index: ~20 bytes of id and a few of slot per object, not 40-60.
  EXPECT_LE(index.bytes() / kIds, 36u);
}

// Ids that share their first 8 bytes (the hash) still differ: probing compares whole ids.
TEST(ObjectIdIndex, IdsWithTheSameHashStayApart) {
  ObjectIdIndex index;
  ObjectIdIndex::Id a{}, b{};
  b[19] = 1;
  EXPECT_TRUE(index.insert(a));
  EXPECT_TRUE(index.insert(b));
  EXPECT_EQ(index.find(a), 0u);
  EXPECT_EQ(index.find(b), 1u);
}

TEST(StringInterner, StoresEachDistinctStringOnce) {
  StringInterner strings;
  EXPECT_EQ(strings.intern("src/a.py"), 0u);
  EXPECT_EQ(strings.intern(""), 1u);
  EXPECT_EQ(strings.intern("src/b.py"), 2u);
  EXPECT_EQ(strings.intern("src/a.py"), 0u);
  EXPECT_EQ(strings.size(), 3u);
  EXPECT_EQ(strings.get(0), "src/a.py");
  EXPECT_EQ(strings.get(1), "");
  EXPECT_EQ(strings.get(2), "src/b.py");
  for (int i = 0; i < 5000; ++i) strings.intern("dir/" + std::to_string(i));
  EXPECT_EQ(strings.intern("dir/4321"), 3u + 4321u);
  EXPECT_EQ(strings.get(3 + 17), "dir/17");
}

TEST(GitBlobList, RebuildsEachBlobsOrigin) {
  GitBlobList list;
  GitObjectId commit_id{};
  commit_id[0] = 0xab;
  commit_id[19] = 0x01;
  uint32_t c = list.add_commit(commit_id, "Ada <ada@example.org>", 1700000000);
  uint32_t blob = list.seen().add(id_from(9)).first;
  list.seen().insert(id_from(10));  // seen (a boundary commit's), not listed
  list.add(blob, c, list.intern_path("config/.env"));
  uint32_t staged_blob = list.seen().add(id_from(11)).first;
  list.add(staged_blob, GitBlobList::kStaged, list.intern_path("config/.env"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.id(0), id_from(9));
  EXPECT_EQ(list.path(0), "config/.env");
  GitOrigin o = list.origin(0);
  EXPECT_EQ(o.commit, "ab000000000000000000000000000000000000" "01");
  EXPECT_EQ(o.author, "Ada <ada@example.org>");
  EXPECT_EQ(o.time, 1700000000);
  EXPECT_EQ(o.path, "config/.env");
  EXPECT_FALSE(o.staged);
  GitBlob staged = list.blob(1);
  EXPECT_EQ(staged.id, id_from(11));
  EXPECT_TRUE(staged.origin.staged);
  EXPECT_EQ(staged.origin.display(), "(staged):config/.env");
}

}  // namespace
}  // namespace keysweep
