// The built-in rules, one row per object of a fixture: which rule, which object, and the
// field paths it must report (none = the rule must stay quiet for that object).
#include <gtest/gtest.h>

#include <map>

#include "policy/internal/testing.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

using testing::FindingsOf;
using testing::LoadFixture;
using testing::PathsOf;

struct RuleCase {
  std::string name;
  std::string fixture;  // under testdata/rules/
  std::string rule;
  std::string object;  // ObjectKey::ToString()
  std::vector<std::string> paths;
  std::string expected_namespace = "";
};

const std::vector<RuleCase>& Cases() {
  static const std::vector<RuleCase> cases = {
      // latest-tag
      {"an image without a tag means latest",
       "latest-tag.yaml",
       "latest-tag",
       "apps/Deployment untagged",
       {"spec.template.spec.containers[0].image"}},
      {"init containers are checked too",
       "latest-tag.yaml",
       "latest-tag",
       "apps/Deployment explicit-latest-in-init",
       {"spec.template.spec.initContainers[0].image"}},
      {"a registry port is not a tag",
       "latest-tag.yaml",
       "latest-tag",
       "apps/StatefulSet registry-port-no-tag",
       {"spec.template.spec.containers[0].image"}},
      {"tags and digests pin the image",
       "latest-tag.yaml",
       "latest-tag",
       "apps/DaemonSet pinned",
       {}},
      {"a CronJob's job template is a workload",
       "latest-tag.yaml",
       "latest-tag",
       "batch/CronJob cron-latest",
       {"spec.jobTemplate.spec.template.spec.containers[0].image"}},
      {"an Argo Rollout is a workload",
       "latest-tag.yaml",
       "latest-tag",
       "argoproj.io/Rollout rollout-untagged",
       {"spec.template.spec.containers[0].image"}},
      {"a ConfigMap is not a workload",
       "latest-tag.yaml",
       "latest-tag",
       "ConfigMap not-a-workload",
       {}},
      // missing-resources
      {"a container with no resources",
       "missing-resources.yaml",
       "missing-resources",
       "apps/Deployment no-resources",
       {"spec.template.spec.containers[0].resources"}},
      {"requests without limits, next to a complete sidecar",
       "missing-resources.yaml",
       "missing-resources",
       "apps/Deployment requests-only",
       {"spec.template.spec.containers[0].resources"}},
      {"init containers need no resources",
       "missing-resources.yaml",
       "missing-resources",
       "apps/Deployment init-without-resources",
       {}},
      // missing-readiness-probe / missing-liveness-probe
      {"a deployment container without a readiness probe",
       "probes.yaml",
       "missing-readiness-probe",
       "apps/Deployment no-probes",
       {"spec.template.spec.containers[0].readinessProbe"}},
      {"every container without a liveness probe",
       "probes.yaml",
       "missing-liveness-probe",
       "apps/Deployment no-probes",
       {"spec.template.spec.containers[0].livenessProbe",
        "spec.template.spec.containers[1].livenessProbe"}},
      {"a statefulset with both probes, init container aside",
       "probes.yaml",
       "missing-readiness-probe",
       "apps/StatefulSet both-probes",
       {}},
      {"a statefulset with both probes has a liveness probe",
       "probes.yaml",
       "missing-liveness-probe",
       "apps/StatefulSet both-probes",
       {}},
      {"a job runs to completion",
       "probes.yaml",
       "missing-readiness-probe",
       "batch/Job migrate-job",
       {}},
      {"a cronjob runs to completion",
       "probes.yaml",
       "missing-liveness-probe",
       "batch/CronJob nightly",
       {}},
      {"a pod that never restarts is a one-off",
       "probes.yaml",
       "missing-liveness-probe",
       "Pod one-off-pod",
       {}},
      {"a standing pod needs probes",
       "probes.yaml",
       "missing-readiness-probe",
       "Pod standing-pod",
       {"spec.containers[0].readinessProbe"}},
      // privileged-container
      {"a privileged init container",
       "security.yaml",
       "privileged-container",
       "apps/DaemonSet node-agent",
       {"spec.template.spec.initContainers[0].securityContext.privileged"}},
      {"privileged false is fine",
       "security.yaml",
       "privileged-container",
       "apps/Deployment hardened",
       {}},
      // privilege-escalation
      {"escalation allowed, or left to its default",
       "security.yaml",
       "privilege-escalation",
       "apps/DaemonSet node-agent",
       {"spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation"}},
      {"escalation not set at all",
       "security.yaml",
       "privilege-escalation",
       "apps/Deployment unset-security",
       {"spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"}},
      {"escalation set to false everywhere",
       "security.yaml",
       "privilege-escalation",
       "apps/Deployment hardened",
       {}},
      // run-as-non-root
      {"uid 0 and an init container with no user",
       "security.yaml",
       "run-as-non-root",
       "apps/DaemonSet node-agent",
       {"spec.template.spec.containers[0].securityContext.runAsUser",
        "spec.template.spec.initContainers[0].securityContext.runAsNonRoot"}},
      {"pod-level runAsNonRoot or a non-zero uid",
       "security.yaml",
       "run-as-non-root",
       "apps/Deployment hardened",
       {}},
      {"nothing set",
       "security.yaml",
       "run-as-non-root",
       "apps/Deployment unset-security",
       {"spec.template.spec.containers[0].securityContext.runAsNonRoot"}},
      {"a container overriding the pod with false",
       "security.yaml",
       "run-as-non-root",
       "apps/Deployment container-overrides-pod",
       {"spec.template.spec.containers[0].securityContext.runAsNonRoot"}},
      {"a pod-level uid 0",
       "security.yaml",
       "run-as-non-root",
       "Pod pod-runs-as-root",
       {"spec.securityContext.runAsUser"}},
      // host-path, host-network
      {"a hostPath volume",
       "security.yaml",
       "host-path",
       "apps/DaemonSet node-agent",
       {"spec.template.spec.volumes[1].hostPath"}},
      {"emptyDir is not a host path", "security.yaml", "host-path", "apps/Deployment hardened", {}},
      {"hostNetwork true",
       "security.yaml",
       "host-network",
       "apps/DaemonSet node-agent",
       {"spec.template.spec.hostNetwork"}},
      {"hostNetwork false", "security.yaml", "host-network", "apps/Deployment hardened", {}},
      // recommended-labels
      {"no labels at all",
       "recommended-labels.yaml",
       "recommended-labels",
       "apps/Deployment unlabelled",
       {"metadata.labels"}},
      {"an empty version label",
       "recommended-labels.yaml",
       "recommended-labels",
       "apps/Deployment no-version",
       {"metadata.labels"}},
      {"both labels set",
       "recommended-labels.yaml",
       "recommended-labels",
       "batch/Job labelled-job",
       {}},
      {"only workloads are checked",
       "recommended-labels.yaml",
       "recommended-labels",
       "ConfigMap config-is-not-checked",
       {}},
      // selector-mismatch
      {"a label renamed in the template only",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "apps/Deployment renamed-label",
       {"spec.selector.matchLabels.app"}},
      {"an In expression the template does not meet",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "apps/StatefulSet expression-unmet",
       {"spec.selector.matchExpressions[0]"}},
      {"no selector at all",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "apps/DaemonSet no-selector",
       {"spec.selector"}},
      {"an unknown operator",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "apps/ReplicaSet bad-operator",
       {"spec.selector"}},
      {"a Rollout's selector",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "argoproj.io/Rollout rollout-mismatch",
       {"spec.selector.matchLabels.app"}},
      {"a Rollout with workloadRef has no template to compare",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "argoproj.io/Rollout rollout-workload-ref",
       {}},
      {"NotIn, Exists and DoesNotExist all met",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "apps/Deployment matching-expressions",
       {}},
      {"a Job's selector is generated",
       "selector-mismatch.yaml",
       "selector-mismatch",
       "batch/Job job-selector-is-generated",
       {}},
      // dangling-service
      {"a service selecting a deployment",
       "dangling-service.yaml",
       "dangling-service",
       "Service shop/api",
       {}},
      {"a typo in the selector",
       "dangling-service.yaml",
       "dangling-service",
       "Service shop/typo",
       {"spec.selector"}},
      {"pods in another namespace do not count",
       "dangling-service.yaml",
       "dangling-service",
       "Service billing/other-namespace",
       {"spec.selector"}},
      {"an unset namespace may match a cronjob's pods",
       "dangling-service.yaml",
       "dangling-service",
       "Service unset-namespace-matches-cronjob",
       {}},
      {"no selector means manual endpoints",
       "dangling-service.yaml",
       "dangling-service",
       "Service shop/manual-endpoints",
       {}},
      {"ExternalName services select nothing",
       "dangling-service.yaml",
       "dangling-service",
       "Service shop/external-db",
       {}},
      // dangling-hpa
      {"an HPA with a target and metric targets",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/web",
       {}},
      {"a Utilization target without averageUtilization",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/rollout-hpa",
       {"spec.metrics[0].resource.target"}},
      {"a misspelled target workload",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/missing-target",
       {"spec.scaleTargetRef.name"}},
      {"autoscaling/v1 without a CPU target",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/v1-without-target",
       {"spec.targetCPUUtilizationPercentage"}},
      {"autoscaling/v1 with a CPU target",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/v1-with-target",
       {}},
      {"the target's API group must match",
       "dangling-hpa.yaml",
       "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/wrong-group",
       {"spec.scaleTargetRef.name"}},
      // duplicate-object
      {"the same ConfigMap twice",
       "duplicate-object.yaml",
       "duplicate-object",
       "ConfigMap shop/settings",
       {""}},
      {"the same name in another namespace",
       "duplicate-object.yaml",
       "duplicate-object",
       "ConfigMap billing/settings",
       {}},
      {"the same name as another kind",
       "duplicate-object.yaml",
       "duplicate-object",
       "Secret shop/settings",
       {}},
      {"generateName objects are new each time",
       "duplicate-object.yaml",
       "duplicate-object",
       "batch/Job shop/",
       {}},
      // namespace-mismatch
      {"an object in the kustomization's namespace",
       "namespace-mismatch.yaml",
       "namespace-mismatch",
       "ConfigMap shop/in-place",
       {},
       "shop"},
      {"an object in another namespace",
       "namespace-mismatch.yaml",
       "namespace-mismatch",
       "ConfigMap kube-system/elsewhere",
       {"metadata.namespace"},
       "shop"},
      {"an object with no namespace gets the kustomization's",
       "namespace-mismatch.yaml",
       "namespace-mismatch",
       "ConfigMap unset",
       {},
       "shop"},
      {"cluster-scoped kinds are not namespaced",
       "namespace-mismatch.yaml",
       "namespace-mismatch",
       "rbac.authorization.k8s.io/ClusterRole kube-system/cluster-scoped-with-namespace",
       {},
       "shop"},
      {"no expected namespace, no check",
       "namespace-mismatch.yaml",
       "namespace-mismatch",
       "ConfigMap kube-system/elsewhere",
       {},
       ""},
  };
  return cases;
}

TEST(BuiltinRules, ReportExactlyTheExpectedFields) {
  for (const RuleCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto manifests = LoadFixture("testdata/rules/" + c.fixture);
    ASSERT_FALSE(manifests.empty());
    PolicyConfig config;
    config.expected_namespace = c.expected_namespace;
    Report report = Evaluate(manifests, config);
    EXPECT_EQ(PathsOf(FindingsOf(report, c.rule, c.object)), c.paths);
  }
}

TEST(BuiltinRules, EveryRuleHasFiringAndQuietCases) {
  std::map<std::string, std::pair<int, int>> seen;  // rule -> (firing, quiet)
  for (const RuleCase& c : Cases()) (c.paths.empty() ? seen[c.rule].second : seen[c.rule].first)++;
  for (const Rule& rule : BuiltinRules()) {
    SCOPED_TRACE(rule.id);
    EXPECT_GT(seen[rule.id].first, 0) << "no case where the rule fires";
    EXPECT_GT(seen[rule.id].second, 0) << "no case where the rule stays quiet";
  }
}

TEST(BuiltinRules, AWellConfiguredAppHasNoFindings) {
  PolicyConfig config;
  config.expected_namespace = "shop";
  Report report = Evaluate(LoadFixture("testdata/good/shop.yaml"), config);
  for (const Finding& f : report.findings) ADD_FAILURE() << f.rule << " " << f.Summary();
  EXPECT_EQ(report.rules.size(), BuiltinRules().size());
}

struct MessageCase {
  std::string name;
  std::string fixture;
  std::string rule;
  std::string object;
  std::string summary;  // the first finding's Summary()
};

TEST(BuiltinRules, MessagesNameTheObjectFieldAndNextStep) {
  const std::vector<MessageCase> cases = {
      {"no tag", "latest-tag.yaml", "latest-tag", "apps/Deployment untagged",
       "apps/Deployment untagged: spec.template.spec.containers[0].image \"nginx\": no tag "
       "means latest, and latest is not a version: pin a tag or digest"},
      {"explicit latest", "latest-tag.yaml", "latest-tag",
       "apps/Deployment explicit-latest-in-init",
       "apps/Deployment explicit-latest-in-init: spec.template.spec.initContainers[0].image "
       "\"busybox:latest\": latest is not a version: pin a tag or digest"},
      {"kube-linter's cpu waiver leaves the memory values", "missing-resources.yaml",
       "missing-resources", "apps/Deployment cpu-waived-for-kube-linter",
       "apps/Deployment cpu-waived-for-kube-linter: spec.template.spec.containers[0].resources: "
       "container \"app\" sets no requests.memory, limits.memory: set cpu and memory requests "
       "(what the scheduler reserves) and limits (the most it may use)"},
      {"selector against template labels", "selector-mismatch.yaml", "selector-mismatch",
       "apps/Deployment renamed-label",
       "apps/Deployment renamed-label: spec.selector.matchLabels.app: selector requires "
       "app=web but spec.template.metadata.labels has app=web-v2: make spec.selector and the "
       "template labels agree"},
      {"duplicate names the first file", "duplicate-object.yaml", "duplicate-object",
       "ConfigMap shop/settings",
       "ConfigMap shop/settings: defined twice (earlier in the same file): keep one, or give "
       "them different names or namespaces"},
      {"missing HPA target", "dangling-hpa.yaml", "dangling-hpa",
       "autoscaling/HorizontalPodAutoscaler shop/missing-target",
       "autoscaling/HorizontalPodAutoscaler shop/missing-target: spec.scaleTargetRef.name "
       "\"webb\": scales Deployment \"webb\", which is not in this set: fix scaleTargetRef or "
       "add the workload"},
      {"host path shows the directory", "security.yaml", "host-path", "apps/DaemonSet node-agent",
       "apps/DaemonSet node-agent: spec.template.spec.volumes[1].hostPath \"/proc\": volume "
       "\"proc\" mounts a directory of the node, which ties the pod to one machine and exposes "
       "the host: use a persistentVolumeClaim, configMap, secret or emptyDir"},
  };
  for (const MessageCase& c : cases) {
    SCOPED_TRACE(c.name);
    Report report = Evaluate(LoadFixture("testdata/rules/" + c.fixture), {});
    auto findings = FindingsOf(report, c.rule, c.object);
    ASSERT_FALSE(findings.empty());
    EXPECT_EQ(findings[0].Summary(), c.summary);
    EXPECT_EQ(findings[0].source, "testdata/rules/" + c.fixture);
  }
}

TEST(BuiltinRules, SeveritiesComeFromTheCatalogueUnlessOverridden) {
  auto manifests = LoadFixture("testdata/rules/latest-tag.yaml");
  Report defaults = Evaluate(manifests, {});
  ASSERT_FALSE(defaults.findings.empty());
  EXPECT_EQ(defaults.findings[0].severity, Severity::kError);

  PolicyConfig config;
  config.severities["latest-tag"] = Severity::kInfo;
  config.disabled.insert("recommended-labels");
  Report overridden = Evaluate(manifests, config);
  for (const Finding& f : overridden.findings) {
    EXPECT_NE(f.rule, "recommended-labels");
    if (f.rule == "latest-tag") EXPECT_EQ(f.severity, Severity::kInfo);
  }
  EXPECT_EQ(overridden.rules.size(), BuiltinRules().size() - 1);
}

TEST(BuiltinRules, FindingsFollowTheInputOrder) {
  Report report = Evaluate(LoadFixture("testdata/rules/security.yaml"), {});
  std::vector<std::string> objects;
  for (const Finding& f : report.findings) {
    if (objects.empty() || objects.back() != f.object.name) objects.push_back(f.object.name);
  }
  EXPECT_EQ(objects, (std::vector<std::string>{"node-agent", "hardened", "unset-security",
                                               "container-overrides-pod", "pod-runs-as-root"}));
}

}  // namespace
}  // namespace capstan::policy
