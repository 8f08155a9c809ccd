// The dispatcher: clean input, messages, severities, order; and the runner of the rule tables.
#include <gtest/gtest.h>

#include <map>

#include "policy/internal/rule_cases.h"
#include "policy/internal/testing.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace testing {

void RunRuleCases(const std::vector<RuleCase>& cases) {
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto manifests = LoadFixture("testdata/rules/" + c.fixture);
    ASSERT_FALSE(manifests.empty());
    PolicyConfig config;
    config.expected_namespace = c.expected_namespace;
    Report report = Evaluate(manifests, config);
    EXPECT_EQ(PathsOf(FindingsOf(report, c.rule, c.object)), c.paths);
  }
}

}  // namespace testing
namespace {

using testing::FindingsOf;
using testing::LoadFixture;

TEST(BuiltinRules, EveryRuleHasFiringAndQuietCases) {
  std::map<std::string, std::pair<int, int>> seen;  // rule -> (firing, quiet)
  for (const auto* cases : {&testing::PodRuleCases(), &testing::ObjectRuleCases()}) {
    for (const testing::RuleCase& c : *cases) {
      (c.paths.empty() ? seen[c.rule].second : seen[c.rule].first)++;
    }
  }
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
    if (f.rule == "latest-tag") {
      EXPECT_EQ(f.severity, Severity::kInfo);
    }
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
