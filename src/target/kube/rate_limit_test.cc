#include "target/kube/rate_limit.h"

#include <gtest/gtest.h>

namespace capstan::target::kube {
namespace {

using std::chrono::milliseconds;
using Clock = TokenBucket::Clock;

milliseconds Ms(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d); }

TEST(TokenBucket, BurstGoesAtOnceThenRequestsQueueAtQps) {
  Clock::time_point t0{};
  TokenBucket bucket({.qps = 10, .burst = 2}, t0);
  EXPECT_EQ(Ms(bucket.Reserve(t0)), milliseconds(0));
  EXPECT_EQ(Ms(bucket.Reserve(t0)), milliseconds(0));
  EXPECT_EQ(Ms(bucket.Reserve(t0)), milliseconds(100));
  EXPECT_EQ(Ms(bucket.Reserve(t0)), milliseconds(200));
  // One second later the bucket is full again (capped at burst), not 10 tokens deep.
  Clock::time_point t1 = t0 + std::chrono::seconds(1);
  EXPECT_EQ(Ms(bucket.Reserve(t1)), milliseconds(0));
  EXPECT_EQ(Ms(bucket.Reserve(t1)), milliseconds(0));
  EXPECT_EQ(Ms(bucket.Reserve(t1)), milliseconds(100));
}

TEST(TokenBucket, DefaultsAllowOneHundredAtOnceThenFiftyPerSecond) {
  Clock::time_point t0{};
  TokenBucket bucket(RateLimitOptions{}, t0);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(Ms(bucket.Reserve(t0)), milliseconds(0)) << i;
  EXPECT_EQ(Ms(bucket.Reserve(t0)), milliseconds(20));
  EXPECT_EQ(Ms(bucket.Reserve(t0 + milliseconds(40))), milliseconds(0));
}

TEST(TokenBucket, ZeroQpsMeansNoLimit) {
  Clock::time_point t0{};
  TokenBucket bucket({.qps = 0, .burst = 1}, t0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(Ms(bucket.Reserve(t0)), milliseconds(0));
}

TEST(RateLimiter, SleepsTheCallerPastTheBurst) {
  RateLimiter limiter({.qps = 100, .burst = 1});
  auto start = Clock::now();
  for (int i = 0; i < 6; ++i) limiter.Wait();  // 1 free, then 5 x 10 ms
  EXPECT_GE(Ms(Clock::now() - start), milliseconds(45));
}

}  // namespace
}  // namespace capstan::target::kube
