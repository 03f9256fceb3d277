// The work queue between the walker and the workers: every item reaches exactly one consumer,
// whatever the bound and order, including the half-drain wait of a full queue; and the order
// items come out in (work_queue.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "pipeline/work_queue.h"

namespace keysweep {
namespace {

// Pushes 1..kItems (item i weighing i % 7) through `queue` to three consumers; the count and sum
// of what they took.
constexpr uint64_t kItems = 20000;
std::pair<uint64_t, uint64_t> push_through(WorkQueue<uint64_t>& queue) {
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
  for (uint64_t i = 1; i <= kItems; ++i) queue.push(i, i % 7);
  queue.close();
  for (auto& t : consumers) t.join();
  return {count.load(), sum.load()};
}

TEST(WorkQueue, EveryItemReachesOneConsumerThroughAFullQueue) {
  for (QueueOrder order : {QueueOrder::kFifo, QueueOrder::kHeaviestFirst}) {
    for (size_t bound : {1u, 2u, 3u, 64u}) {
      WorkQueue<uint64_t> queue(bound, order);
      auto [count, sum] = push_through(queue);
      EXPECT_EQ(count, kItems) << "bound " << bound;
      EXPECT_EQ(sum, kItems * (kItems + 1) / 2) << "bound " << bound;
    }
  }
}

// Taken by one consumer, so the order is the queue's alone.
std::vector<int> drain(WorkQueue<int>& queue) {
  std::vector<int> out;
  int item;
  while (queue.pop(item)) out.push_back(item);
  return out;
}

TEST(WorkQueue, HeaviestFirstTakesTheHeaviestWaitingItemAndTheEarliestAmongEquals) {
  WorkQueue<int> queue(64, QueueOrder::kHeaviestFirst);
  // Item i weighs weights[i].
  const std::vector<uint64_t> weights = {5, 100, 5, 0, 28339679, 100, 7};
  for (size_t i = 0; i < weights.size(); ++i) queue.push(static_cast<int>(i), weights[i]);
  queue.close();
  EXPECT_EQ(drain(queue), (std::vector<int>{4, 1, 5, 6, 0, 2, 3}));
}

TEST(WorkQueue, PushedFrontComesBeforeTheHeaviest) {
  WorkQueue<int> queue(64, QueueOrder::kHeaviestFirst);
  queue.push(1, 10);
  queue.push(2, 1000);
  queue.push_front({20, 21});  // parts of an item already taken: first, in their order
  queue.push_front({10});
  queue.push(3, 500);
  queue.close();
  EXPECT_EQ(drain(queue), (std::vector<int>{10, 20, 21, 2, 3, 1}));
}

TEST(WorkQueue, FifoKeepsThePushOrderWhateverTheWeights) {
  WorkQueue<int> queue(64);
  queue.push(1, 10);
  queue.push(2, 1000);
  queue.push_front({0});
  queue.push(3, 500);
  queue.close();
  EXPECT_EQ(drain(queue), (std::vector<int>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace keysweep
