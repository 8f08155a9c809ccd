#include "target/local/pod/backoff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace capstan::target::local {
namespace {

using std::chrono::seconds;

const BackOffSubject kWeb{"web", "web-7d9f", "default", "0b1c"};

Clock::time_point At(int64_t s) { return Clock::time_point(seconds(1'000'000 + s)); }

TEST(RestartBackOff, FirstRestartIsImmediateThenDoublesToTheCap) {
  RestartBackOff backoff;
  // Each step: the container exits at `exit`, then the kubelet retries until it may restart.
  struct Step {
    int64_t exit;
    std::string waiting;  // the back-off shown while waiting ("" = restarted at once)
    int64_t restarted_at;
  };
  const std::vector<Step> steps = {
      {0, "", 0},         {5, "10s", 15},      {20, "20s", 40},    {45, "40s", 85},
      {90, "1m20s", 170}, {175, "2m40s", 335}, {340, "5m0s", 640}, {645, "5m0s", 945},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.exit);
    if (!step.waiting.empty()) {
      RestartDecision wait = backoff.Decide(At(step.exit), At(step.exit + 1), kWeb);
      ASSERT_FALSE(wait.restart);
      EXPECT_EQ(wait.message, "back-off " + step.waiting +
                                  " restarting failed container=web pod=web-7d9f_default(0b1c)");
      EXPECT_EQ(wait.retry_at, At(step.restarted_at));
      // Still waiting one second before the end.
      EXPECT_FALSE(backoff.Decide(At(step.exit), At(step.restarted_at - 1), kWeb).restart);
    }
    EXPECT_TRUE(backoff.Decide(At(step.exit), At(step.restarted_at), kWeb).restart);
  }
  EXPECT_EQ(backoff.current(), seconds(300));
}

TEST(RestartBackOff, ResetsAfterTenMinutesOfRunning) {
  RestartBackOff backoff;
  ASSERT_TRUE(backoff.Decide(At(0), At(0), kWeb).restart);
  ASSERT_FALSE(backoff.Decide(At(5), At(5), kWeb).restart);
  ASSERT_TRUE(backoff.Decide(At(5), At(15), kWeb).restart);  // back-off now 20 s
  // Ran exactly 10 minutes: still counted as a crash loop.
  EXPECT_FALSE(backoff.Decide(At(615), At(616), kWeb).restart);
  EXPECT_TRUE(backoff.Decide(At(615), At(635), kWeb).restart);  // back-off now 40 s
  // Ran more than 10 minutes since that restart: restarted at once, back to 10 s.
  EXPECT_TRUE(backoff.Decide(At(1236), At(1236), kWeb).restart);
  EXPECT_EQ(backoff.current(), seconds(10));
  RestartDecision wait = backoff.Decide(At(1240), At(1241), kWeb);
  EXPECT_FALSE(wait.restart);
  EXPECT_EQ(wait.back_off, seconds(10));
}

TEST(FormatGoDuration, AsGoPrintsDurations) {
  EXPECT_EQ(FormatGoDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(seconds(10)), "10s");
  EXPECT_EQ(FormatGoDuration(seconds(80)), "1m20s");
  EXPECT_EQ(FormatGoDuration(seconds(300)), "5m0s");
  EXPECT_EQ(FormatGoDuration(seconds(3600)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(seconds(3725)), "1h2m5s");
}

}  // namespace
}  // namespace capstan::target::local
