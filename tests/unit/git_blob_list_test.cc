#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

#include "input/chunked_vector.h"
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

TEST(ChunkedVector, KeepsEveryElementWhereItWasAcrossChunks) {
  ChunkedVector<uint64_t, 1024> v;
  EXPECT_TRUE(v.empty());
  v.push_back(7);
  const uint64_t* first = &v[0];
  for (uint64_t i = 1; i < 5000; ++i) v.push_back(i * 3);
  ASSERT_EQ(v.size(), 5000u);
  EXPECT_EQ(&v[0], first);  // growing moved nothing
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(v[1023], 1023u * 3);
  EXPECT_EQ(v[1024], 1024u * 3);
  EXPECT_EQ(v[4999], 4999u * 3);
  EXPECT_GE(v.bytes(), 5 * 1024 * sizeof(uint64_t));  // five chunks
  v.clear();
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(v.bytes(), 0u);
  v.push_back(1);
  EXPECT_EQ(v[0], 1u);
}

TEST(ChunkedVector, SpillsTheOldestChunksToAFileAndReadsThemBack) {
  ChunkedVector<uint64_t, 512> v;  // 4 KiB chunks: whole pages
  v.spill_past(2 * 512 * sizeof(uint64_t));
  for (uint64_t i = 0; i < 512 * 6 + 7; ++i) v.push_back(i * 5 + 1);
  // Seven chunks, two held: the five oldest went to the file.
  EXPECT_EQ(v.spilled_chunks(), 5u);
  EXPECT_LE(v.bytes(), 2 * 512 * sizeof(uint64_t) + 64 * sizeof(void*));
  for (uint64_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], i * 5 + 1) << i;
  v.clear();
  EXPECT_EQ(v.spilled_chunks(), 0u);
  v.push_back(3);
  EXPECT_EQ(v[0], 3u);
}

TEST(GitBlobList, KeepsItsRecordsPastTheLimitInAFile) {
  GitBlobList list;
  list.spill_past(1);  // one chunk of records in memory
  GitObjectId commit_id{};
  const uint32_t c = list.add_commit(commit_id, "Ada <ada@example.org>", 1700000000);
  const size_t n = 200000;  // four chunks of 65,536
  for (size_t i = 0; i < n; ++i)
    list.add(list.seen().add(id_from(i)).first, c, "dir" + std::to_string(i % 97) + "/f" + std::to_string(i));
  ASSERT_EQ(list.size(), n);
  EXPECT_EQ(list.spilled_bytes(), 3u << 20);  // the three full chunks; the last one is held
  for (size_t i : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{131073}, n - 1}) {
    EXPECT_EQ(list.id(i), id_from(i));
    EXPECT_EQ(list.path(i), "dir" + std::to_string(i % 97) + "/f" + std::to_string(i));
    EXPECT_EQ(list.origin(i).author, "Ada <ada@example.org>");
  }
}

// Ids numbered by someone else (as the packs' sorted indexes number theirs): here, a sorted list.
class SortedIds final : public KnownObjectIds {
 public:
  explicit SortedIds(std::vector<ObjectIdIndex::Id> ids) : ids_(std::move(ids)) {
    std::sort(ids_.begin(), ids_.end());
  }
  uint32_t count() const override { return static_cast<uint32_t>(ids_.size()); }
  uint32_t find(const unsigned char* id) const override {
    ObjectIdIndex::Id key;
    std::memcpy(key.data(), id, key.size());
    auto it = std::lower_bound(ids_.begin(), ids_.end(), key);
    if (it == ids_.end() || *it != key) return kNone;
    ++lookups;
    return static_cast<uint32_t>(it - ids_.begin());
  }
  const unsigned char* id(uint32_t n) const override { return ids_[n].data(); }
  mutable int lookups = 0;

 private:
  std::vector<ObjectIdIndex::Id> ids_;
};

TEST(ObjectSeenSet, KnownIdsAreOneBitAndOthersGetNumbersAfterThem) {
  std::vector<ObjectIdIndex::Id> packed;
  for (uint64_t i = 0; i < 1000; ++i) packed.push_back(id_from(i));
  SortedIds known(packed);
  ObjectSeenSet seen;
  seen.use_known(&known);

  const uint32_t n5 = known.find(id_from(5).data());
  auto [a, fresh_a] = seen.add(id_from(5));
  EXPECT_EQ(a, n5);  // the known number, not one of its own
  EXPECT_TRUE(fresh_a);
  EXPECT_FALSE(seen.add(id_from(5)).second);
  EXPECT_EQ(seen.id(a), id_from(5));

  // A caller that has the number already (a tree row) spares the lookup.
  const int before = known.lookups;
  const uint32_t n7 = known.find(id_from(7).data());
  EXPECT_EQ(seen.add(id_from(7).data(), n7), std::make_pair(n7, true));
  EXPECT_EQ(known.lookups, before + 1);  // only the test's own find above
  EXPECT_FALSE(seen.insert(id_from(7)));
  // One bit a known object: the ids themselves are not copied.
  EXPECT_LE(seen.bytes(), 1000u / 8 + 8);

  // Ids nobody numbered (a loose object beside the packs) are numbered from count() on.
  auto [x, fresh_x] = seen.add(id_from(5000));
  EXPECT_TRUE(fresh_x);
  EXPECT_EQ(x, 1000u);
  auto [y, fresh_y] = seen.add(id_from(5001));
  EXPECT_EQ(y, 1001u);
  EXPECT_TRUE(fresh_y);
  EXPECT_EQ(seen.add(id_from(5000)), std::make_pair(1000u, false));
  EXPECT_EQ(seen.id(x), id_from(5000));
  EXPECT_EQ(seen.id(y), id_from(5001));

  // Every known id once, whatever the order.
  size_t fresh = 0;
  for (uint64_t i = 1000; i-- > 0;) fresh += seen.add(id_from(i)).second;
  EXPECT_EQ(fresh, 998u);  // all but 5 and 7
}

TEST(ObjectSeenSet, WithoutKnownIdsNumbersLikeAnIndex) {
  ObjectSeenSet seen;
  EXPECT_EQ(seen.add(id_from(1)), std::make_pair(0u, true));
  EXPECT_EQ(seen.add(id_from(2)), std::make_pair(1u, true));
  EXPECT_EQ(seen.add(id_from(1)), std::make_pair(0u, false));
  EXPECT_EQ(seen.id(1), id_from(2));
}

TEST(GitBlobList, RebuildsEachBlobsOrigin) {
  GitBlobList list;
  GitObjectId commit_id{};
  commit_id[0] = 0xab;
  commit_id[19] = 0x01;
  uint32_t c = list.add_commit(commit_id, "Ada <ada@example.org>", 1700000000);
  uint32_t blob = list.seen().add(id_from(9)).first;
  list.seen().insert(id_from(10));  // seen (a boundary commit's), not listed
  list.add(blob, c, "config/.env");
  uint32_t staged_blob = list.seen().add(id_from(11)).first;
  list.add(staged_blob, GitBlobList::kStaged, "config/.env");
  list.add(blob, c, "README");  // no directory
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list.path(2), "README");
  EXPECT_EQ(list.origin(2).path, "README");
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
