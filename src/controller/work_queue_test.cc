#include "controller/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace capstan::controller {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, AKeyAddedTwiceIsQueuedOnce) {
  WorkQueue queue;
  queue.Add("web");
  queue.Add("web");
  queue.Add("api");
  EXPECT_EQ(queue.Length(), 2u);
  EXPECT_EQ(queue.Get(), "web");
  EXPECT_EQ(queue.Get(), "api");
}

TEST(WorkQueue, AKeyAddedWhileHeldIsRequeuedOnDoneNotHandedOutTwice) {
  WorkQueue queue;
  queue.Add("web");
  ASSERT_EQ(queue.Get(), "web");
  queue.Add("web");  // an event arrives during the reconcile
  EXPECT_EQ(queue.Length(), 0u) << "must not be handed to a second worker while held";
  queue.Done("web");
  EXPECT_EQ(queue.Length(), 1u);
  EXPECT_EQ(queue.Get(), "web");
}

TEST(WorkQueue, AddAfterWaitsForTheDelay) {
  WorkQueue queue;
  auto start = WorkQueue::Clock::now();
  queue.AddAfter("web", 80ms);
  EXPECT_EQ(queue.Get(), "web");
  EXPECT_GE(WorkQueue::Clock::now() - start, 80ms);
}

TEST(WorkQueue, RateLimitedDelaysDoubleAndForgetResetsThem) {
  WorkQueue queue(BackoffOptions{.base = 20ms, .max = 70ms});
  for (auto expected : {20ms, 40ms, 70ms}) {
    auto start = WorkQueue::Clock::now();
    queue.AddRateLimited("web");
    ASSERT_EQ(queue.Get(), "web");
    auto waited = WorkQueue::Clock::now() - start;
    EXPECT_GE(waited, expected);
    EXPECT_LT(waited, expected + 200ms);
    queue.Done("web");
  }
  EXPECT_EQ(queue.Retries("web"), 3);
  queue.Forget("web");
  EXPECT_EQ(queue.Retries("web"), 0);
}

TEST(WorkQueue, ShutDownWakesEveryWorker) {
  WorkQueue queue;
  std::atomic<int> stopped = 0;
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) queue.Done(*key);
      ++stopped;
    });
  }
  queue.Add("a");
  queue.ShutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(stopped, 3);
  queue.Add("b");
  EXPECT_EQ(queue.Get(), std::nullopt);
}

TEST(WorkQueue, ManyWorkersNeverHoldTheSameKeyAtOnce) {
  WorkQueue queue;
  std::mutex mu;
  std::set<std::string> held;
  std::atomic<bool> overlap = false;
  std::atomic<int> processed = 0;
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        {
          std::lock_guard lock(mu);
          if (!held.insert(*key).second) overlap = true;
        }
        std::this_thread::sleep_for(1ms);
        {
          std::lock_guard lock(mu);
          held.erase(*key);
        }
        ++processed;
        queue.Done(*key);
      }
    });
  }
  for (int round = 0; round < 50; ++round) {
    for (const char* key : {"a", "b", "c"}) queue.Add(key);
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(50ms);
  queue.ShutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_FALSE(overlap);
  EXPECT_GE(processed, 3);
}

}  // namespace
}  // namespace capstan::controller
