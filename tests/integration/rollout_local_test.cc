// Progressive delivery end to end on the local target: the real `capstan server --local`
// syncs Argo Rollouts and AnalysisTemplates from Git (testdata/rollouts-local/, written as
// Argo's documentation writes them) to podman pods behind capstan's proxy; a real Prometheus
// scrapes the proxy's per-version request counters from capstan's /metrics, and a load
// generator sends requests through the proxy all along, counting which version answered.
// A Git commit releases v2 of a scenario:
//   - a good canary goes 10% -> 50% -> 100% through its timed pauses, its background
//     analysis passes, and it becomes the stable without a failed request;
//   - a bad canary (30% of its answers 500) fails its analysis, is aborted, and no request
//     sent after the abort reaches it, although its pod still runs;
//   - Prometheus stopped in the middle of an analysis step: the run ends Error, the Rollout
//     is Paused (InconclusiveAnalysis, decision 0011), neither promoted nor aborted, and the
//     run keeps its measurements; a promote then skips the step;
//   - a `pause: {}` holds the canary at 50% until `capstan rollout promote`;
//   - blue/green: the preview runs v2 behind its own Ingress host, the pre-promotion
//     analysis measures it, the active Service stays on v1 until a promote switches it.
#include <iostream>

#include "core/yaml.h"
#include "rollout_local_fixture.h"

namespace capstan::it {
namespace {

// How long one step of a release may take here (a commit seen, a pod started and Ready, the
// analysis's first measurements): about 10 s on an idle machine.
constexpr auto kStepTimeout = 90s;
// After the abort is seen through the API, requests may still reach the canary while the
// Rollout controller's next pass (run at once after a pass that aborts) sets its weight to 0
// and the proxy rebuilds its routes, plus a request in flight.
constexpr auto kRouteSettle = 500ms;

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

class RolloutLocalTest : public RolloutLocalFixture {
 protected:
  static void SetUpTestSuite() {
    RolloutLocalFixture::SetUpTestSuite();
    std::cout << "set-up (images, Prometheus x2, capstan, 5 Rollouts Healthy): "
              << env().setup_seconds << " s\n";
  }
};

TEST_F(RolloutLocalTest, GoodCanaryGoesTenFiftyHundredAndIsPromoted) {
  const std::string scenario = "canary-good";
  Load load(env().proxy, Host(scenario));
  std::this_thread::sleep_for(1s);
  std::string v1 = StableHash(View(scenario));
  auto released = Clock::now();
  Release(scenario);

  // The canary weight as the controller writes it, and when each value was first seen.
  std::vector<std::pair<int64_t, Clock::time_point>> weights;
  bool done = WaitRollout(
      scenario,
      [&](const Value& view) { return Phase(view) == "Healthy" && StableHash(view) != v1; },
      kStepTimeout + 60s,
      [&](const Value& view) {
        int64_t weight = CanaryWeight(view);
        if (weights.empty() || weights.back().first != weight) {
          weights.emplace_back(weight, Clock::now());
        }
      });
  auto healthy = Clock::now();
  ASSERT_TRUE(done) << Explain(scenario);
  std::this_thread::sleep_for(2s);
  load.Stop();

  std::string sequence;
  for (const auto& [weight, when] : weights) {
    sequence +=
        std::to_string(weight) + " (at " + std::to_string(Seconds(when - released)) + " s) ";
  }
  std::cout << "canary weights: " << sequence << "; Healthy at " << Seconds(healthy - released)
            << " s\n";
  auto at = [&](int64_t weight) {
    for (size_t i = 0; i < weights.size(); ++i) {
      if (weights[i].first == weight) return i;
    }
    return weights.size();
  };
  size_t ten = at(10);
  size_t fifty = at(50);
  ASSERT_LT(ten, weights.size()) << sequence;
  ASSERT_LT(fifty, weights.size()) << sequence;
  ASSERT_LT(ten, fifty) << sequence;
  ASSERT_LT(fifty + 1, weights.size()) << "the weight moves on after 50%: " << sequence;
  // Each weight holds through its pause, 20 s and 10 s (counted from when the step's pods
  // are ready).
  EXPECT_GE(Seconds(weights[ten + 1].second - weights[ten].second), 19.5) << sequence;
  EXPECT_GE(Seconds(weights[fifty + 1].second - weights[fifty].second), 9.5) << sequence;

  // The proxy splits the traffic as the weights say (random per request: a wide margin).
  Load::Tally at_ten = load.Count(weights[ten].second + 1s, weights[ten + 1].second - 500ms);
  Load::Tally at_fifty = load.Count(weights[fifty].second + 1s, weights[fifty + 1].second - 500ms);
  std::cout << "at 10%: " << at_ten.versions["v2"] << " of " << at_ten.total
            << " requests answered by v2; at 50%: " << at_fifty.versions["v2"] << " of "
            << at_fifty.total << "\n";
  EXPECT_NEAR(at_ten.Share("v2"), 0.10, 0.07) << at_ten.total << " requests";
  EXPECT_NEAR(at_fifty.Share("v2"), 0.50, 0.15) << at_fifty.total << " requests";

  Value view = View(scenario);
  EXPECT_EQ(StableHash(view), CurrentHash(view)) << "v2 is the stable" << Explain(scenario);
  EXPECT_EQ(CanaryWeight(view), 0) << "every request on the new stable";
  Load::Tally after = load.Count(healthy + 1s);
  EXPECT_EQ(after.versions["v2"], after.total) << "only v2 answers once it is promoted";
  Load::Tally all = load.Count(released);
  EXPECT_EQ(all.failed, 0) << all.total << " requests; failures:\n" << load.Failures();

  // The background analysis measured the canary and passed; it ends with the release.
  EXPECT_TRUE(WaitRollout(
      scenario,
      [](const Value& view) {
        const Value* run = AnalysisRun(view, "Background");
        return run != nullptr && run->StringAt({"status", "phase"}) == "Successful";
      },
      10s))
      << Explain(scenario);
  Value final_view = View(scenario);
  const Value* run = AnalysisRun(final_view, "Background");
  ASSERT_NE(run, nullptr);
  std::vector<const Value*> measurements = Measurements(*run);
  EXPECT_GE(CountPhase(measurements, "Successful"), 2) << EmitYaml(*run);
  EXPECT_EQ(CountPhase(measurements, "Successful"), static_cast<int>(measurements.size()))
      << EmitYaml(*run);
  // Git and the cluster agree all along: what the Rollout controller writes (selectors, the
  // canary Ingress, status) does not make the Application OutOfSync.
  EXPECT_TRUE(WaitApp(scenario, "Healthy"));
}

TEST_F(RolloutLocalTest, BadCanaryFailsAnalysisIsAbortedAndGetsNoRequestAfterwards) {
  const std::string scenario = "canary-bad";
  Load load(env().proxy, Host(scenario));
  std::this_thread::sleep_for(1s);
  std::string v1 = StableHash(View(scenario));
  auto released = Clock::now();
  Release(scenario);

  int64_t highest = 0;       // the highest canary weight the release reached
  Clock::time_point failed;  // when the AnalysisRun was first seen Failed
  ASSERT_TRUE(WaitRollout(
      scenario, [](const Value& view) { return Phase(view) == "Degraded" && Aborted(view); },
      kStepTimeout,
      [&](const Value& view) {
        highest = std::max(highest, CanaryWeight(view));
        const Value* run = AnalysisRun(view, "Background");
        if (failed == Clock::time_point() && run != nullptr &&
            run->StringAt({"status", "phase"}) == "Failed") {
          failed = Clock::now();
        }
      }))
      << Explain(scenario);
  auto aborted = Clock::now();
  std::cout << "the analysis failed " << Seconds(failed - released)
            << " s after the commit, the Rollout was aborted " << Seconds(aborted - failed)
            << " s later\n";
  EXPECT_EQ(highest, 10) << "the analysis stops the release at its first weight";
  std::this_thread::sleep_for(8s);
  load.Stop();

  Load::Tally before = load.Count(released, aborted);
  Load::Tally raw_after = load.Count(aborted);
  Load::Tally after = load.Count(aborted + kRouteSettle);
  std::cout << "aborted " << Seconds(aborted - released)
            << " s after the commit; before: " << before.versions["v2"] << " of " << before.total
            << " requests answered by v2 (" << before.errors["v2"]
            << " of them 500); after: " << raw_after.versions["v2"] << " of " << raw_after.total
            << " (" << after.versions["v2"] << " of " << after.total << " sent more than "
            << kRouteSettle.count() << " ms after)\n";
  ASSERT_GT(before.versions["v2"], 0) << "the canary had its 10% before the abort";
  EXPECT_NEAR(static_cast<double>(before.errors["v2"]) / before.versions["v2"], 0.30, 0.2)
      << before.versions["v2"] << " answers of v2";
  EXPECT_EQ(before.errors["v1"], 0);
  EXPECT_GT(after.total, 100) << "the load went on after the abort";
  std::string late;
  for (const Load::Sample& sample : load.Samples()) {
    if (sample.sent >= aborted && sample.version == "v2") {
      late += std::to_string(Seconds(sample.sent - aborted)) + " s ";
    }
  }
  EXPECT_EQ(after.versions["v2"], 0) << "no request reaches v2 after the abort; v2 answered "
                                        "requests sent this long after it was seen: "
                                     << late << Explain(scenario);
  EXPECT_EQ(after.failed, 0) << load.Failures();

  Value view = View(scenario);
  EXPECT_EQ(StableHash(view), v1) << "v1 stays the stable";
  EXPECT_EQ(CanaryWeight(view), 0);
  EXPECT_EQ(Message(view).rfind("RolloutAborted: Rollout aborted update to revision 2", 0), 0U)
      << Message(view);
  const Value* run = AnalysisRun(view, "Background");
  ASSERT_NE(run, nullptr) << Explain(scenario);
  EXPECT_EQ(run->StringAt({"status", "phase"}), "Failed");
  EXPECT_EQ(run->StringAt({"status", "message"}),
            "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)");
  for (const Value* measurement : Measurements(*run)) {
    SCOPED_TRACE(EmitYaml(*measurement));
    EXPECT_EQ(measurement->StringAt({"phase"}), "Failed");
    EXPECT_EQ(measurement->StringAt({"value"}).substr(0, 3), "[0.");
  }
  // The canary's pod is still there (abortScaleDownDelaySeconds, 30 s by default): it is the
  // route that keeps requests away from it.
  bool canary_ready = false;
  for (const Value& set : view.Find("replicaSets")->as_array()) {
    if (set.StringAt({"metadata", "labels", "rollouts-pod-template-hash"}) != CurrentHash(view)) {
      continue;
    }
    const Value* ready = set.At({"status", "readyReplicas"});
    canary_ready = ready != nullptr && ready->is_int() && ready->as_int() >= 1;
  }
  EXPECT_TRUE(canary_ready) << Explain(scenario);
  EXPECT_TRUE(WaitApp(scenario, "Degraded"));
}

TEST_F(RolloutLocalTest, PrometheusStoppedInAnAnalysisPausesTheRelease) {
  const std::string scenario = "canary-metrics-down";
  Load load(env().proxy, Host(scenario));
  std::string v1 = StableHash(View(scenario));
  Release(scenario);

  // The analysis step has measured once; then its Prometheus goes away.
  ASSERT_TRUE(WaitRollout(
      scenario,
      [](const Value& view) {
        const Value* run = AnalysisRun(view, "Step");
        return run != nullptr && CountPhase(Measurements(*run), "Successful") >= 1;
      },
      kStepTimeout))
      << Explain(scenario);
  env().stoppable->Stop();
  auto stopped = Clock::now();

  ASSERT_TRUE(WaitRollout(
      scenario,
      [](const Value& view) {
        return Phase(view) == "Paused" && Message(view) == "InconclusiveAnalysis";
      },
      60s))
      << Explain(scenario);
  std::cout << "paused " << Seconds(Clock::now() - stopped) << " s after Prometheus stopped\n";
  Value view = View(scenario);
  const Value* run = AnalysisRun(view, "Step");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->StringAt({"status", "phase"}), "Error");
  const std::string expected =
      "Metric \"success-rate\" assessed Error due to consecutiveErrors (2) > "
      "consecutiveErrorLimit (1)";
  EXPECT_EQ(run->StringAt({"status", "message"}).substr(0, expected.size()), expected);
  std::vector<const Value*> measurements = Measurements(*run);
  EXPECT_GE(CountPhase(measurements, "Successful"), 1) << "the measurements are kept";
  EXPECT_EQ(CountPhase(measurements, "Error"), 2) << EmitYaml(*run);
  for (const Value* measurement : measurements) {
    if (measurement->StringAt({"phase"}) != "Error") continue;
    EXPECT_NE(measurement->StringAt({"message"}).find("cannot connect"), std::string::npos)
        << EmitYaml(*measurement);
  }

  // Paused where it was: not promoted, not aborted, the canary keeps its 10%.
  auto paused = Clock::now();
  std::this_thread::sleep_for(6s);
  view = View(scenario);
  EXPECT_EQ(Phase(view), "Paused");
  EXPECT_FALSE(Aborted(view));
  EXPECT_EQ(StableHash(view), v1) << "not promoted";
  EXPECT_EQ(CanaryWeight(view), 10);
  EXPECT_EQ(PauseReason(view), "InconclusiveAnalysis");
  Load::Tally held = load.Count(paused);
  EXPECT_GT(held.versions["v2"], 0) << "the canary still gets its share";
  EXPECT_GT(held.versions["v1"], held.versions["v2"]);
  EXPECT_TRUE(WaitApp(scenario, "Suspended"));

  // A person decides: promote skips the unmeasured step; the release goes on to 100%.
  RunOutput promoted = Steer(scenario, "promote");
  EXPECT_EQ(promoted.out.substr(promoted.out.size() - 3), "200") << Describe(promoted);
  EXPECT_TRUE(WaitRollout(
      scenario,
      [&](const Value& view) { return Phase(view) == "Healthy" && StableHash(view) != v1; },
      kStepTimeout))
      << Explain(scenario);
  load.Stop();
  EXPECT_EQ(load.Count(Clock::time_point::min()).failed, 0) << load.Failures();
}

TEST_F(RolloutLocalTest, PauseWithoutDurationWaitsForPromote) {
  const std::string scenario = "canary-pause";
  Load load(env().proxy, Host(scenario));
  std::string v1 = StableHash(View(scenario));
  Release(scenario);
  ASSERT_TRUE(WaitRollout(
      scenario,
      [](const Value& view) {
        return Phase(view) == "Paused" && Message(view) == "CanaryPauseStep" &&
               CanaryWeight(view) == 50;
      },
      kStepTimeout))
      << Explain(scenario);
  auto paused = Clock::now();
  std::this_thread::sleep_for(8s);
  Value view = View(scenario);
  EXPECT_EQ(Phase(view), "Paused") << "no time ends a pause without a duration";
  EXPECT_EQ(CanaryWeight(view), 50);
  EXPECT_EQ(StableHash(view), v1);
  Load::Tally held = load.Count(paused, Clock::now());
  EXPECT_NEAR(held.Share("v2"), 0.5, 0.15) << held.total << " requests";
  EXPECT_TRUE(WaitApp(scenario, "Suspended"));

  // What a person sees of it: `capstan rollout get` as `kubectl argo rollouts get` shows it.
  std::vector<std::string> server_env = {"CAPSTAN_SERVER=http://" + env().api};
  RunOutput get = RunProgram(
      {CAPSTAN_BINARY, "rollout", "get", "rollout", "web", "-n", scenario, "--app", scenario}, {},
      server_env);
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_NE(get.out.find("Status:          Paused\n"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("Message:         CanaryPauseStep\n"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("  SetWeight:     50\n"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find(":v2 (canary)"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find(":v1 (stable)"), std::string::npos) << get.out;

  RunOutput promote =
      RunProgram({CAPSTAN_BINARY, "rollout", "promote", "web", "-n", scenario, "--app", scenario},
                 {}, server_env);
  ASSERT_EQ(promote.exit_code, 0) << Describe(promote);
  EXPECT_NE(promote.out.find("promoted"), std::string::npos) << promote.out;
  ASSERT_TRUE(WaitRollout(
      scenario,
      [&](const Value& view) { return Phase(view) == "Healthy" && StableHash(view) != v1; },
      kStepTimeout))
      << Explain(scenario);
  auto healthy = Clock::now();
  std::this_thread::sleep_for(2s);
  load.Stop();
  Load::Tally after = load.Count(healthy + 1s);
  EXPECT_EQ(after.versions["v2"], after.total) << "only v2 answers once it is promoted";
  EXPECT_EQ(load.Count(Clock::time_point::min()).failed, 0) << load.Failures();

  RunOutput audit =
      RunProgram({"curl", "-s", "http://" + env().api + "/api/v1/audit?app=" + scenario});
  EXPECT_NE(audit.out.find("rollout-promote"), std::string::npos) << audit.out;
  EXPECT_EQ(audit.out.find("\"anonymous\""), std::string::npos)
      << "the CLI says who: " << audit.out;

  // `status` returns at once for a Healthy Rollout; `history` has the release step by step.
  RunOutput status = RunProgram({CAPSTAN_BINARY, "rollout", "status", "web", "-n", scenario,
                                 "--app", scenario, "--timeout", "30"},
                                {}, server_env);
  EXPECT_EQ(status.exit_code, 0) << Describe(status);
  EXPECT_NE(status.out.find("Healthy"), std::string::npos) << status.out;
  RunOutput history =
      RunProgram({CAPSTAN_BINARY, "rollout", "history", "web", "-n", scenario, "--app", scenario},
                 {}, server_env);
  ASSERT_EQ(history.exit_code, 0) << Describe(history);
  size_t pause_line = history.out.find("  Paused ");
  size_t healthy_line = history.out.rfind("  Healthy ");
  ASSERT_NE(pause_line, std::string::npos) << history.out;
  ASSERT_NE(healthy_line, std::string::npos) << history.out;
  EXPECT_LT(pause_line, healthy_line) << "oldest first: the pause, then the promotion\n"
                                      << history.out;
  EXPECT_NE(history.out.find(":v2"), std::string::npos) << history.out;
}

TEST_F(RolloutLocalTest, BlueGreenPreviewsAnalysesAndSwitchesOnPromote) {
  const std::string scenario = "bluegreen";
  Load active(env().proxy, Host(scenario));
  Load preview(env().proxy, "preview." + Host(scenario));
  std::string v1 = StableHash(View(scenario));
  auto released = Clock::now();
  Release(scenario);

  ASSERT_TRUE(WaitRollout(
      scenario,
      [](const Value& view) {
        return Phase(view) == "Paused" && Message(view) == "BlueGreenPause";
      },
      kStepTimeout))
      << Explain(scenario);
  Value view = View(scenario);
  const Value* run = AnalysisRun(view, "PrePromotion");
  ASSERT_NE(run, nullptr) << Explain(scenario);
  EXPECT_EQ(run->StringAt({"status", "phase"}), "Successful") << EmitYaml(*run);
  EXPECT_EQ(CountPhase(Measurements(*run), "Successful"), 2) << EmitYaml(*run);
  EXPECT_EQ(view.StringAt({"rollout", "status", "blueGreen", "activeSelector"}), v1);
  EXPECT_EQ(view.StringAt({"rollout", "status", "blueGreen", "previewSelector"}),
            CurrentHash(view));

  // Waiting for a person: the preview answers v2, the users still get v1.
  auto paused = Clock::now();
  std::this_thread::sleep_for(3s);
  Load::Tally users = active.Count(released, Clock::now());
  Load::Tally previewed = preview.Count(paused, Clock::now());
  EXPECT_EQ(users.versions["v1"], users.total) << "the active Service stays on v1";
  EXPECT_GT(previewed.total, 0);
  EXPECT_EQ(previewed.versions["v2"], previewed.total) << "the preview Service is on v2";

  RunOutput promoted = Steer(scenario, "promote");
  EXPECT_EQ(promoted.out.substr(promoted.out.size() - 3), "200") << Describe(promoted);
  ASSERT_TRUE(WaitRollout(
      scenario,
      [&](const Value& view) {
        return Phase(view) == "Healthy" && view.StringAt({"rollout", "status", "blueGreen",
                                                          "activeSelector"}) == CurrentHash(view);
      },
      kStepTimeout))
      << Explain(scenario);
  auto switched = Clock::now();
  std::this_thread::sleep_for(2s);
  active.Stop();
  preview.Stop();
  Load::Tally after = active.Count(switched + 1s);
  EXPECT_EQ(after.versions["v2"], after.total) << "the active Service is on v2";
  EXPECT_EQ(active.Count(released).failed, 0) << active.Failures();
  EXPECT_TRUE(WaitApp(scenario, "Healthy"));
}

}  // namespace
}  // namespace capstan::it
