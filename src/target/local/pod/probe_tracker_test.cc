#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "target/local/pod/probe.h"

namespace capstan::target::local {
namespace {

using Time = std::chrono::system_clock::time_point;
using R = ProbeOutcome::Result;

const Time kStart = Time(std::chrono::seconds(1'700'000'000));
Time At(int seconds) { return kStart + std::chrono::seconds(seconds); }

ProbeSpec Probe(ProbeType type, int delay, int period, int success, int failure) {
  ProbeSpec spec;
  spec.type = type;
  spec.handler = ProbeHandler::kExec;
  spec.command = {"true"};
  spec.initial_delay_seconds = delay;
  spec.period_seconds = period;
  spec.success_threshold = success;
  spec.failure_threshold = failure;
  return spec;
}

ProbeOutcome Outcome(R result) {
  ProbeOutcome outcome;
  outcome.result = result;
  return outcome;
}

// One step of a timeline: at `second`, whether `type` is due; if so it runs with `result`
// and afterwards the container is `ready` / `started` / `restart` as given.
struct Step {
  int second;
  ProbeType type;
  bool due;
  R result;
  bool ready;
  bool started;
  std::string restart;  // "", "liveness" or "startup"
};

void Play(ProbeTracker& tracker, const std::vector<Step>& steps) {
  for (const Step& step : steps) {
    SCOPED_TRACE(::testing::Message() << "t=" << step.second << " " << ProbeTypeName(step.type));
    ASSERT_EQ(tracker.Due(step.type, At(step.second)), step.due);
    if (step.due) tracker.Record(step.type, Outcome(step.result), At(step.second));
    EXPECT_EQ(tracker.ready(), step.ready);
    EXPECT_EQ(tracker.started(), step.started);
    EXPECT_EQ(tracker.restart_reason(), step.restart);
    EXPECT_EQ(tracker.should_restart(), !step.restart.empty());
  }
}

constexpr ProbeType kReady = ProbeType::kReadiness;
constexpr ProbeType kLive = ProbeType::kLiveness;
constexpr ProbeType kStartup = ProbeType::kStartup;

TEST(ProbeTracker, ReadinessNeedsSuccessThresholdAndFailureThreshold) {
  ProbeTracker tracker(std::nullopt, Probe(kReady, 5, 10, 2, 3), std::nullopt, kStart);
  EXPECT_FALSE(tracker.ready());  // not ready until a probe said so
  Play(tracker, {
                    {4, kReady, false, R::kSuccess, false, true, ""},   // initial delay
                    {5, kReady, true, R::kSuccess, false, true, ""},    // 1 of 2
                    {14, kReady, false, R::kSuccess, false, true, ""},  // period
                    {15, kReady, true, R::kSuccess, true, true, ""},    // 2 of 2: ready
                    {25, kReady, true, R::kFailure, true, true, ""},
                    {35, kReady, true, R::kFailure, true, true, ""},
                    {45, kReady, true, R::kFailure, false, true, ""},  // 3 in a row
                    {55, kReady, true, R::kSuccess, false, true, ""},
                    {65, kReady, true, R::kFailure, false, true, ""},  // the run is broken
                    {75, kReady, true, R::kSuccess, false, true, ""},
                    {85, kReady, true, R::kSuccess, true, true, ""},
                });
}

TEST(ProbeTracker, WithoutProbesARunningContainerIsReadyAndStarted) {
  ProbeTracker tracker(std::nullopt, std::nullopt, std::nullopt, kStart);
  EXPECT_TRUE(tracker.ready());
  EXPECT_TRUE(tracker.started());
  EXPECT_FALSE(tracker.Due(kReady, At(100)));
  EXPECT_EQ(tracker.NextDue(), std::nullopt);
}

TEST(ProbeTracker, LivenessRestartsAfterFailureThresholdInARow) {
  ProbeTracker tracker(std::nullopt, std::nullopt, Probe(kLive, 0, 10, 1, 3), kStart);
  Play(tracker, {
                    {0, kLive, true, R::kFailure, true, true, ""},
                    {10, kLive, true, R::kFailure, true, true, ""},
                    {20, kLive, true, R::kSuccess, true, true, ""},  // resets the count
                    {30, kLive, true, R::kFailure, true, true, ""},
                    {40, kLive, true, R::kFailure, true, true, ""},
                    {50, kLive, true, R::kFailure, true, true, "liveness"},
                    {60, kLive, false, R::kFailure, true, true, "liveness"},  // probing stops
                });
  EXPECT_EQ(tracker.NextDue(), std::nullopt);
}

TEST(ProbeTracker, ErrorsAreThrownAwayButReschedule) {
  ProbeTracker tracker(std::nullopt, Probe(kReady, 0, 10, 1, 1), Probe(kLive, 0, 10, 1, 2), kStart);
  Play(tracker, {
                    {0, kLive, true, R::kFailure, false, true, ""},
                    {10, kLive, true, R::kError, false, true, ""},  // does not count
                    {15, kLive, false, R::kError, false, true, ""},
                    {20, kLive, true, R::kFailure, false, true, "liveness"},
                });
}

TEST(ProbeTracker, StartupGatesTheOtherProbes) {
  ProbeTracker tracker(Probe(kStartup, 0, 2, 1, 3), Probe(kReady, 1, 10, 1, 3),
                       Probe(kLive, 5, 10, 1, 3), kStart);
  EXPECT_FALSE(tracker.started());
  EXPECT_EQ(tracker.NextDue(), At(0));
  Play(tracker, {
                    {0, kStartup, true, R::kFailure, false, false, ""},
                    {1, kReady, false, R::kSuccess, false, false, ""},  // not started yet
                    {2, kStartup, true, R::kFailure, false, false, ""},
                    {4, kStartup, true, R::kSuccess, false, true, ""},  // started
                    {4, kStartup, false, R::kSuccess, false, true, ""},
                    {4, kReady, true, R::kSuccess, true, true, ""},  // due at once
                    {4, kLive, false, R::kSuccess, true, true, ""},  // its own delay: 5 s
                    {5, kLive, true, R::kSuccess, true, true, ""},
                });
  EXPECT_EQ(tracker.NextDue(), At(14));
}

TEST(ProbeTracker, StartupFailingRestarts) {
  ProbeTracker tracker(Probe(kStartup, 0, 1, 1, 3), Probe(kReady, 0, 10, 1, 3), std::nullopt,
                       kStart);
  Play(tracker, {
                    {0, kStartup, true, R::kFailure, false, false, ""},
                    {1, kStartup, true, R::kFailure, false, false, ""},
                    {2, kStartup, true, R::kFailure, false, false, "startup"},
                    {3, kStartup, false, R::kFailure, false, false, "startup"},
                });
}

}  // namespace
}  // namespace capstan::target::local
