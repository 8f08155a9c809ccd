// What rollout_local_test.cc runs on: the real `capstan server --local` on a private podman
// environment (support/podman_env.h, the demo images v1 and v2), a Git repository made from
// testdata/rollouts-local/ (one Application per scenario, each in its own namespace and
// behind its own Ingress host), two real Prometheus servers scraping capstan's /metrics (the
// second one is stopped by a test), a load generator per Ingress host that records which
// version answered every request, and the Rollout API (GET /api/v1/rollouts/:name, POST
// .../promote) to watch and steer.
//
// One environment per test binary, made in SetUpTestSuite; a test reports its set-up error
// (a failure in SetUpTestSuite would make GoogleTest skip the tests instead). Missing podman,
// buildah or prometheus fail the tests.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/value.h"
#include "support/podman_env.h"
#include "support/prometheus.h"
#include "support/run.h"
#include "support/server_process.h"

namespace capstan::it {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The pause between two requests of one load generator: about 40 requests a second, so a
// 10% canary gets about 4 a second, enough for rate() over 20 s.
inline constexpr auto kLoadInterval = 20ms;

// Requests to one Ingress host through capstan's proxy, one at a time on a kept-alive
// connection, from construction until Stop(); every answer is recorded with when its request
// was sent and which version of the demo app answered ("hello from demo v2 (pod ...)", or
// "error from demo v2 ..." for its 500s). Samples() may be called while it runs.
class Load {
 public:
  struct Sample {
    Clock::time_point sent;
    int status = 0;       // 0: no answer
    std::string version;  // "v1", "v2"; "" when the answer was not the demo app's
    std::string detail;   // the body or the client's error, for answers other than 200
  };
  // What a slice of the samples holds.
  struct Tally {
    int total = 0;
    int failed = 0;                       // status other than 200
    std::map<std::string, int> versions;  // answers per version
    std::map<std::string, int> errors;    // 5xx per version
    // The fraction of all answers that came from `version`.
    double Share(const std::string& version) const {
      auto found = versions.find(version);
      if (total == 0 || found == versions.end()) return 0;
      return static_cast<double>(found->second) / total;
    }
  };

  Load(const std::string& proxy, const std::string& host);
  ~Load() { Stop(); }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  void Stop();
  std::vector<Sample> Samples() const;
  // The samples whose request was sent in [from, to).
  Tally Count(Clock::time_point from, Clock::time_point to = Clock::time_point::max()) const;
  // Up to `limit` failed samples, one line each.
  std::string Failures(size_t limit = 10) const;

 private:
  void Run(std::string proxy, std::string host);

  mutable std::mutex mu_;
  std::vector<Sample> samples_;  // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The environment every test of the binary shares.
struct RolloutEnv {
  TempDir dir;
  std::unique_ptr<PodmanEnv> podman;
  std::unique_ptr<PrometheusServer> prometheus;  // every analysis but one
  std::unique_ptr<PrometheusServer> stoppable;   // canary-metrics-down's, stopped by its test
  std::unique_ptr<ServerProcess> server;
  std::filesystem::path repo;
  std::string api;    // "127.0.0.1:PORT"
  std::string proxy;  // "127.0.0.1:PORT"
  std::string error;  // why it is not ready; empty when it is
  double setup_seconds = 0;
};

class RolloutLocalFixture : public testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static RolloutEnv& env() { return *env_; }

  // The Ingress host of a scenario (its namespace and Application are named alike).
  static std::string Host(const std::string& scenario) { return scenario + ".rollouts.test"; }
  // Copies releases/<scenario>/ over apps/<scenario>/ in the repository and commits it.
  void Release(const std::string& scenario);

  // GET /api/v1/rollouts/web?namespace=NS&app=NS: {"rollout", "replicaSets",
  // "analysisRuns", ...}; a null Value (and a test failure) when it cannot be read.
  Value View(const std::string& scenario);
  // POST /api/v1/rollouts/web/ACTION for the scenario's Rollout; the answer's status and body.
  RunOutput Steer(const std::string& scenario, const std::string& action);
  // Polls the scenario's Rollout every 200 ms until `done` holds for its view (then returns
  // true) or `limit` passes. `seen` (optional) gets every view read.
  bool WaitRollout(const std::string& scenario, const std::function<bool(const Value&)>& done,
                   std::chrono::milliseconds limit,
                   const std::function<void(const Value&)>& seen = {});
  // Waits up to `limit` for the scenario's Application to be Synced with health `health`
  // (Argo CD's reading of the Rollout's phase: Paused is Suspended); false (and a failure
  // message naming what it was) otherwise.
  testing::AssertionResult WaitApp(const std::string& scenario, const std::string& health,
                                   std::chrono::milliseconds limit = 20s);
  // The view as YAML and the server's log, for failure messages.
  std::string Explain(const std::string& scenario);

 private:
  inline static std::unique_ptr<RolloutEnv> env_;
};

// Readers of the Rollout view.
std::string Phase(const Value& view);
std::string Message(const Value& view);
std::string StableHash(const Value& view);
std::string CurrentHash(const Value& view);
// status.canary.weights.canary.weight; -1 when absent.
int64_t CanaryWeight(const Value& view);
bool Aborted(const Value& view);
// status.pauseConditions[0].reason; "" when not paused.
std::string PauseReason(const Value& view);
// The newest AnalysisRun of the view whose rollout-type label is `type` (Background, Step,
// PrePromotion); nullptr when there is none.
const Value* AnalysisRun(const Value& view, const std::string& type);
// The measurements of the run's first metric: [{phase, value, message}...].
std::vector<const Value*> Measurements(const Value& run);
int CountPhase(const std::vector<const Value*>& measurements, const std::string& phase);

}  // namespace capstan::it
