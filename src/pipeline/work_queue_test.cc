// The work queue between the walker and the workers: every item reaches exactly one consumer,
// whatever the bound, including the half-drain wait of a full queue (work_queue.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pipeline/work_queue.h"

namespace keysweep {
namespace {

TEST(WorkQueue, EveryItemReachesOneConsumerThroughAFullQueue) {
  for (size_t bound : {1u, 2u, 3u, 64u}) {
    WorkQueue<uint64_t> queue(bound);
    constexpr uint64_t kItems = 20000;
    std::atomic<uint64_t> sum{0}, count{0};
    std::vector<std::thread> consumers;
    for (int c = 0; c < 3; ++c)
      consumers.emplace_back([&] {
        uint64_t item;
        while (queue.pop(item)) {
          sum += item;
          ++count;
        }
      });
    for (uint64_t i = 1; i <= kItems; ++i) queue.push(i);
    queue.close();
    for (auto& t : consumers) t.join();
    EXPECT_EQ(count.load(), kItems) << "bound " << bound;
    EXPECT_EQ(sum.load(), kItems * (kItems + 1) / 2) << "bound " << bound;
  }
}

}  // namespace
}  // namespace keysweep
