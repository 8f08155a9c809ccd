// Rollouts exactly as Argo Rollouts' documentation and the Gateway API plugin's examples
// write them (testdata/argo/, unchanged) load and run a release to the end: first release,
// then a new image through every step, promoting where they pause.
#include <gtest/gtest.h>

#include "rollout/stand_in_cluster.h"
#include "rollout/steering.h"

namespace capstan::rollout {
namespace {

using testing::LoadManifests;
using testing::RolloutCluster;

struct Example {
  const char* files[2];
  const char* rollout;
  std::vector<std::string> services;  // Services the example expects to exist already
};

// Runs a release of a new image, promoting at every indefinite pause, until Healthy; returns
// the canary weights the router was given on the way (empty without a router).
std::vector<int64_t> Release(RolloutCluster& cluster, const std::string& name) {
  Value rollout = cluster.Rollout(name);
  rollout.Erase("status");
  rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", "example:v2");
  cluster.Apply(rollout);
  std::vector<int64_t> weights;
  for (int round = 0; round < 300; ++round) {
    cluster.Rounds(1);
    if (cluster.traffic && (weights.empty() || weights.back() != cluster.traffic->canary_weight)) {
      weights.push_back(cluster.traffic->canary_weight);
    }
    RolloutStatus status = ReadRolloutStatus(cluster.Rollout(name));
    if (status.phase == "Healthy" && status.stable_rs == status.current_pod_hash) return weights;
    if (status.phase == "Paused") {
      auto promoted = Promote(cluster.Rollout(name), false);
      EXPECT_TRUE(promoted.ok());
      cluster.Steer(*promoted);
    }
    cluster.Advance(std::chrono::seconds(5));  // lets timed pauses run out
  }
  ADD_FAILURE() << name << " did not finish its release: "
                << EmitYaml(*cluster.Rollout(name).Find("status"));
  return weights;
}

void Bootstrap(RolloutCluster& cluster, const Example& example) {
  for (const std::string& service : example.services) {
    Value object = testing::Yaml("{apiVersion: v1, kind: Service, spec: {selector: {app: x}}}");
    object["metadata"]["name"] = service;
    object["metadata"]["namespace"] = "default";
    cluster.Apply(object);
  }
  for (const char* file : example.files) {
    if (file == nullptr) continue;
    for (const Value& object : LoadManifests(file)) cluster.Apply(object);
  }
  cluster.analysis = [](const Value&) { return std::string("Successful"); };
  ASSERT_TRUE(cluster.RunUntil([&] {
    RolloutStatus status = ReadRolloutStatus(cluster.Rollout(example.rollout));
    return status.phase == "Healthy";
  })) << EmitYaml(cluster.Rollout(example.rollout));
}

TEST(ArgoExamples, GettingStartedBasic) {
  RolloutCluster cluster;
  Bootstrap(cluster, {{"argo/basic-rollout.yaml", nullptr}, "rollouts-demo", {}});
  EXPECT_EQ(cluster.Replicas(ReadRolloutStatus(cluster.Rollout("rollouts-demo")).stable_rs), 5);
  Release(cluster, "rollouts-demo");
  EXPECT_TRUE(cluster.errors.empty());
  // revisionHistoryLimit: 2 keeps the old ReplicaSet (scaled to 0).
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 2u);
}

TEST(ArgoExamples, GettingStartedNginx) {
  RolloutCluster cluster;
  Bootstrap(cluster,
            {{"argo/nginx-services.yaml", "argo/nginx-rollout.yaml"}, "rollouts-demo", {}});
  std::vector<int64_t> weights = Release(cluster, "rollouts-demo");
  // setWeight: 5 with 1 replica: the router carries 5% to the one canary pod.
  EXPECT_EQ(weights, (std::vector<int64_t>{0, 5, 0}));
  EXPECT_TRUE(cluster.errors.empty());
}

TEST(ArgoExamples, AnalysisStep) {
  RolloutCluster cluster;
  Bootstrap(cluster, {{"argo/rollout-analysis-step.yaml", nullptr}, "rollout-analysis-step", {}});
  Release(cluster, "rollout-analysis-step");
  ASSERT_EQ(cluster.requested_runs.size(), 1u);
  ASSERT_EQ(cluster.requested_runs[0].templates.size(), 2u);
  EXPECT_EQ(cluster.requested_runs[0].templates[0].template_name, "random-fail");
  EXPECT_TRUE(cluster.requested_runs[0].templates[1].cluster_scope);
}

TEST(ArgoExamples, BackgroundAnalysis) {
  RolloutCluster cluster;
  Bootstrap(
      cluster,
      {{"argo/rollout-background-analysis.yaml", nullptr}, "rollout-background-analysis", {}});
  cluster.analysis = [](const Value&) { return std::string("Running"); };
  Release(cluster, "rollout-background-analysis");
  ASSERT_EQ(cluster.requested_runs.size(), 1u);
  EXPECT_EQ(cluster.requested_runs[0].metadata.StringAt({"labels", kRolloutTypeLabel}),
            "Background");
  // Stopped once the release completed.
  const Value* run =
      cluster.Get("AnalysisRun", cluster.requested_runs[0].metadata.StringAt({"name"}));
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->StringAt({"status", "message"}), "Run Terminated");
}

TEST(ArgoExamples, GatewayApiPlugin) {
  RolloutCluster cluster;
  Bootstrap(cluster, {{"argo/gatewayapi-rollout.yaml", nullptr},
                      "rollouts-demo",
                      {"argo-rollouts-canary-service", "argo-rollouts-stable-service"}});
  std::vector<int64_t> weights = Release(cluster, "rollouts-demo");
  EXPECT_EQ(weights, (std::vector<int64_t>{0, 30, 60, 100, 0}));
  EXPECT_TRUE(cluster.errors.empty());
}

TEST(ArgoExamples, GatewayApiHeaderRoutesAndCanaryScale) {
  RolloutCluster cluster;
  Bootstrap(cluster, {{"argo/gatewayapi-header-rollout.yaml", nullptr},
                      "rollouts-demo",
                      {"argo-rollouts-canary-service", "argo-rollouts-stable-service"}});
  Value rollout = cluster.Rollout("rollouts-demo");
  rollout.Erase("status");
  rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", "example:v2");
  cluster.Apply(rollout);
  auto status = [&] { return ReadRolloutStatus(cluster.Rollout("rollouts-demo")); };
  auto promote = [&] { cluster.Steer(*Promote(cluster.Rollout("rollouts-demo"), false)); };

  // Step 0: pause {} before anything runs.
  ASSERT_TRUE(cluster.RunUntil([&] { return status().phase == "Paused"; }));
  std::string v2 = status().current_pod_hash;
  EXPECT_EQ(cluster.Replicas(v2), 0);
  promote();
  // setCanaryScale{replicas: 1}, then the header route, then pause {}.
  ASSERT_TRUE(cluster.RunUntil([&] { return status().current_step_index == 3; }));
  EXPECT_EQ(cluster.Replicas(v2), 1);
  ASSERT_TRUE(cluster.traffic.has_value());
  EXPECT_EQ(cluster.traffic->canary_weight, 0);  // no setWeight yet: only the header route
  ASSERT_EQ(cluster.traffic->header_routes.size(), 1u);
  EXPECT_EQ(cluster.traffic->header_routes[0].name, "argo-rollouts");
  EXPECT_EQ(cluster.traffic->header_routes[0].match[0].header_name, "X-Test");
  EXPECT_EQ(cluster.traffic->header_routes[0].match[0].header_value.exact, "test");
  promote();
  // setHeaderRoute without match removes the route; the release then completes.
  ASSERT_TRUE(cluster.RunUntil([&] { return status().phase == "Healthy"; }));
  EXPECT_TRUE(cluster.traffic->header_routes.empty());
  EXPECT_EQ(status().stable_rs, v2);
  EXPECT_EQ(cluster.Replicas(v2), 5);
}

}  // namespace
}  // namespace capstan::rollout
