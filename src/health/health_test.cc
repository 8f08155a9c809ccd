#include "health/health.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/yaml.h"

namespace capstan::health {
namespace {

using S = HealthStatus;

Value Load(const std::string& file) {
  std::string path = "testdata/" + file;
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto value = ParseYaml(*text, path);
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

struct Case {
  std::string file;
  std::optional<HealthStatus> status;  // nullopt: no health check for the kind
  std::string message;
};

TEST(AssessHealth, EveryKindAsArgoCD) {
  const std::vector<Case> cases = {
      {"deployment-healthy.yaml", S::kHealthy, ""},
      {"rollout-paused.yaml", S::kSuspended, "CanaryPauseStep"},
      {"rollout-aborted.yaml", S::kDegraded,
       "RolloutAborted: Rollout aborted update to revision 3"},
      {"rollout-unobserved.yaml", S::kProgressing,
       "Waiting for rollout spec update to be observed"},
      {"analysisrun-failed.yaml", S::kDegraded,
       "Metric \"success-rate\" assessed Failed due to failed (2) > failureLimit (1)"},
      {"deployment-paused.yaml", S::kSuspended, "Deployment is paused"},
      {"deployment-generation-not-observed.yaml", S::kProgressing,
       "Waiting for rollout to finish: observed deployment generation less than desired "
       "generation"},
      {"deployment-deadline-exceeded.yaml", S::kDegraded,
       "Deployment \"web\" exceeded its progress deadline"},
      {"deployment-updating.yaml", S::kProgressing,
       "Waiting for rollout to finish: 1 out of 3 new replicas have been updated..."},
      {"deployment-old-pending.yaml", S::kProgressing,
       "Waiting for rollout to finish: 2 old replicas are pending termination..."},
      {"deployment-unavailable.yaml", S::kProgressing,
       "Waiting for rollout to finish: 1 of 3 updated replicas are available..."},
      {"deployment-bad-field.yaml", S::kUnknown,
       "cannot read status: status.replicas: expected an integer, got string"},
      {"deployment-deleting.yaml", S::kProgressing, "Pending deletion"},
      {"statefulset-healthy.yaml", S::kHealthy,
       "statefulset rolling update complete 2 pods at revision db-7f..."},
      {"statefulset-not-ready.yaml", S::kProgressing, "Waiting for 2 pods to be ready..."},
      {"statefulset-rolling.yaml", S::kProgressing,
       "waiting for statefulset rolling update to complete 1 pods at revision db-8a..."},
      {"statefulset-partition.yaml", S::kProgressing,
       "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated..."},
      {"statefulset-unobserved.yaml", S::kProgressing,
       "Waiting for statefulset spec update to be observed..."},
      {"daemonset-healthy.yaml", S::kHealthy, ""},
      {"daemonset-updating.yaml", S::kProgressing,
       "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been "
       "updated..."},
      {"daemonset-unavailable.yaml", S::kProgressing,
       "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available..."},
      {"replicaset-healthy.yaml", S::kHealthy, ""},
      {"replicaset-failure.yaml", S::kDegraded, "pods \"web-5d8f-\" is forbidden: exceeded quota"},
      {"replicaset-scaling.yaml", S::kProgressing,
       "Waiting for rollout to finish: 1 out of 2 new replicas are available..."},
      {"pod-running-ready.yaml", S::kHealthy, ""},
      {"pod-crashloop.yaml", S::kDegraded, "back-off 5m0s restarting failed container=web"},
      {"pod-imagepull.yaml", S::kDegraded, "Back-off pulling image \"nginx:nope\""},
      {"pod-hook-imagepull.yaml", S::kProgressing, ""},
      {"pod-pending.yaml", S::kProgressing, "0/1 nodes are available"},
      {"pod-succeeded.yaml", S::kHealthy, ""},
      {"pod-failed-exit.yaml", S::kDegraded, "container \"migrate\" failed with exit code 3"},
      {"pod-failed-oom.yaml", S::kDegraded, "OOMKilled"},
      {"pod-running-restarted.yaml", S::kDegraded, ""},
      {"pod-running-hook.yaml", S::kProgressing, ""},
      {"job-running.yaml", S::kProgressing, ""},
      {"job-complete.yaml", S::kHealthy, ""},
      {"job-failed.yaml", S::kDegraded, "Job has reached the specified backoff limit"},
      {"job-suspended.yaml", S::kSuspended, "Job suspended"},
      {"job-resumed.yaml", S::kProgressing, ""},
      {"service-clusterip.yaml", S::kHealthy, ""},
      {"service-lb-pending.yaml", S::kProgressing, ""},
      {"service-lb-ready.yaml", S::kHealthy, ""},
      {"ingress-pending.yaml", S::kProgressing, ""},
      {"ingress-ready.yaml", S::kHealthy, ""},
      {"pvc-bound.yaml", S::kHealthy, ""},
      {"pvc-pending.yaml", S::kProgressing, ""},
      {"pvc-lost.yaml", S::kDegraded, ""},
      {"hpa-healthy.yaml", S::kHealthy, "recommended size matches current size"},
      {"hpa-degraded.yaml", S::kDegraded, "the HPA was unable to compute the replica count"},
      {"hpa-v1-annotation.yaml", S::kHealthy,
       "the HPA controller was able to get the target's current scale"},
      {"hpa-new.yaml", S::kProgressing, "Waiting to Autoscale"},
      {"crd-established.yaml", S::kHealthy, "CRD is healthy"},
      {"crd-names-rejected.yaml", S::kDegraded,
       "CRD names have not been accepted: \"widgets\" is already in use"},
      {"crd-new.yaml", S::kProgressing, "Status conditions not found"},
      {"namespace-active.yaml", S::kHealthy, ""},
      {"namespace-terminating.yaml", S::kProgressing, "Namespace is terminating"},
      {"apiservice-available.yaml", S::kHealthy, "Passed: all checks passed"},
      {"apiservice-unavailable.yaml", S::kProgressing,
       "MissingEndpoints: endpoints for service/metrics-server in \"kube-system\" have no "
       "addresses"},
      {"configmap.yaml", std::nullopt, ""},
      {"custom-deployment.yaml", std::nullopt, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    std::optional<Health> health = AssessHealth(Load(c.file));
    ASSERT_EQ(health.has_value(), c.status.has_value());
    if (!health) continue;
    EXPECT_EQ(HealthStatusName(health->status), HealthStatusName(*c.status));
    EXPECT_EQ(health->message, c.message);
  }
}

TEST(HealthOrder, WorseFollowsArgoCDOrder) {
  const std::vector<HealthStatus> order = {S::kHealthy, S::kSuspended, S::kProgressing,
                                           S::kMissing, S::kDegraded,  S::kUnknown};
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = 0; j < order.size(); ++j) {
      EXPECT_EQ(IsWorse(order[i], order[j]), j > i) << i << " vs " << j;
      EXPECT_EQ(Worst(order[i], order[j]), order[std::max(i, j)]);
    }
  }
}

TEST(AssessApplication, WorstObjectNamedAndMissingCounted) {
  Value web = Load("deployment-unavailable.yaml");
  Value settings = Load("configmap.yaml");
  Value db = Load("statefulset-healthy.yaml");
  Value hook = Yaml(R"(
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: default
  annotations: {argocd.argoproj.io/hook: PreSync}
)");

  SCOPED_TRACE("all live: the Progressing Deployment decides");
  ApplicationHealth all = AssessApplication({web, settings, db, hook}, {web, settings, db});
  EXPECT_EQ(all.health.status, S::kProgressing);
  EXPECT_EQ(all.health.message,
            "apps/Deployment default/web: Waiting for rollout to finish: 1 of 3 updated replicas "
            "are available...");
  // The ConfigMap has no check and the hook is skipped, even though it is not live.
  ASSERT_EQ(all.resources.size(), 2u);
  EXPECT_EQ(all.resources[0].key.name, "web");
  EXPECT_EQ(all.resources[1].key.name, "db");

  ApplicationHealth missing = AssessApplication({web, settings, db}, {web, db});
  EXPECT_EQ(missing.health.status, S::kMissing);
  EXPECT_EQ(missing.health.message, "ConfigMap default/settings: Missing");

  ApplicationHealth healthy = AssessApplication({db, settings}, {db, settings});
  EXPECT_EQ(healthy.health.status, S::kHealthy);
  EXPECT_EQ(healthy.health.message, "");

  ApplicationHealth empty = AssessApplication({}, {});
  EXPECT_EQ(empty.health.status, S::kHealthy);
}

TEST(AssessApplication, SkipAnnotationIsNotAHook) {
  Value skipped = Load("configmap.yaml");
  skipped["metadata"]["annotations"]["argocd.argoproj.io/hook"] = "Skip";
  ApplicationHealth app = AssessApplication({skipped}, {});
  EXPECT_EQ(app.health.status, S::kMissing);
}

}  // namespace
}  // namespace capstan::health
