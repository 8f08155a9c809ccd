// The kubectl-argo-rollouts patches, case by case, and release identity.
#include "rollout/steering.h"

#include <gtest/gtest.h>

#include "rollout/release.h"
#include "rollout/rollout.h"
#include "rollout/test_support.h"

namespace capstan::rollout {
namespace {

using testing::Yaml;

Value Canary(std::string_view status) {
  Value rollout = Yaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: default, uid: u1}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:v2}]}}
  strategy: {canary: {steps: [{setWeight: 10}, {pause: {}}, {analysis: {templates: [{templateName: t}]}}]}}
)");
  rollout["status"] = Yaml(status);
  return rollout;
}

TEST(Promote, EndsACanaryPauseStep) {
  auto out = Promote(Canary(R"({currentStepIndex: 1, controllerPause: true, currentPodHash: b,
      stableRS: a, pauseConditions: [{reason: CanaryPauseStep, startTime: "2026-01-01T00:00:00Z"}]})"),
                     false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->At({"status", "pauseConditions"}), nullptr);
  EXPECT_EQ(out->At({"status", "controllerPause"})->as_bool(),
            true);  // the controller sees a promote
  EXPECT_EQ(out->At({"status", "currentStepIndex"})->as_int(), 1);
}

TEST(Promote, SkipsAnInconclusiveAnalysisStep) {
  auto out = Promote(Canary(R"({currentStepIndex: 2, controllerPause: true,
      pauseConditions: [{reason: InconclusiveAnalysis, startTime: "2026-01-01T00:00:00Z"}],
      canary: {currentStepAnalysisRunStatus: {name: r, status: Inconclusive}}})"),
                     false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->At({"status", "pauseConditions"}), nullptr);
  EXPECT_FALSE(out->At({"status", "controllerPause"})->as_bool());
  EXPECT_EQ(out->At({"status", "currentStepIndex"})->as_int(), 3);
}

TEST(Promote, SkipsARunningStepAndUnpauses) {
  Value rollout = Canary("{currentStepIndex: 2}");
  rollout["spec"]["paused"] = true;
  auto out = Promote(rollout, false);
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->At({"spec", "paused"})->as_bool());
  EXPECT_EQ(out->At({"status", "currentStepIndex"})->as_int(), 3);
  // At the end the index stays.
  auto end = Promote(Canary("{currentStepIndex: 3}"), false);
  EXPECT_EQ(end->At({"status", "currentStepIndex"})->as_int(), 3);
}

TEST(Promote, FullUnlessAlreadyStable) {
  auto out = Promote(Canary("{currentPodHash: b, stableRS: a}"), true);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->At({"status", "promoteFull"})->as_bool());
  auto stable = Promote(Canary("{currentPodHash: a, stableRS: a}"), true);
  EXPECT_EQ(stable->At({"status", "promoteFull"}), nullptr);
}

TEST(Steering, AbortRetryPauseResume) {
  Value rollout =
      Canary("{pauseConditions: [{reason: CanaryPauseStep, startTime: \"2026-01-01T00:00:00Z\"}]}");
  auto aborted = Abort(rollout);
  ASSERT_TRUE(aborted.ok());
  EXPECT_TRUE(aborted->At({"status", "abort"})->as_bool());
  auto retried = Retry(*aborted);
  EXPECT_EQ(retried->At({"status", "abort"}), nullptr);
  auto paused = Pause(rollout);
  EXPECT_TRUE(paused->At({"spec", "paused"})->as_bool());
  auto resumed = Resume(*paused);
  EXPECT_FALSE(resumed->At({"spec", "paused"})->as_bool());
  EXPECT_EQ(resumed->At({"status", "pauseConditions"}), nullptr);
  EXPECT_FALSE(Abort(Yaml("{kind: Deployment, metadata: {name: x}}")).ok());
}

Value ReplicaSet(std::string_view hash, int revision, std::string_view image) {
  Value rs = Yaml(R"(
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  namespace: default
  ownerReferences: [{apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: web, uid: u1, controller: true}]
  annotations: {rollout.argoproj.io/ephemeral-metadata: '{"labels":{"capstan.dev/role":"canary","role":"canary"}}'}
spec:
  template:
    metadata:
      labels: {app: web, role: canary, capstan.dev/role: canary}
    spec: {containers: [{name: web}]}
)");
  rs["metadata"]["name"] = "web-" + std::string(hash);
  rs["metadata"]["labels"][kPodTemplateHashLabel] = std::string(hash);
  rs["metadata"]["annotations"][kRevisionAnnotation] = std::to_string(revision);
  rs["spec"]["template"]["metadata"]["labels"][kPodTemplateHashLabel] = std::string(hash);
  rs["spec"]["template"]["metadata"]["labels"][kImageTagLabel] = "tag";
  rs["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
  return rs;
}

TEST(Undo, TakesTheTemplateOfARevision) {
  std::vector<Value> sets = {ReplicaSet("a", 1, "web:v1"), ReplicaSet("b", 2, "web:v2")};
  auto undone = Undo(Canary("{}"), sets, 0);
  ASSERT_TRUE(undone.ok()) << undone.error().message();
  EXPECT_EQ(
      *undone->At({"spec", "template"}),
      Yaml("{metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:v1}]}}"));
  auto same = Undo(Canary("{}"), sets, 2);  // already the template of revision 2
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, Canary("{}"));
  auto missing = Undo(Canary("{}"), sets, 7);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "rollouts \"web\": unable to find specified revision 7 in history");
  auto alone = Undo(Canary("{}"), {sets[1]}, 0);
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().message(), "no revision found for rollout \"web\"");
  Value referenced = Canary("{}");
  referenced["spec"].Erase("template");
  referenced["spec"]["workloadRef"] = Yaml("{apiVersion: apps/v1, kind: Deployment, name: web}");
  auto workload = Undo(referenced, sets, 0);
  ASSERT_FALSE(workload.ok());
  EXPECT_EQ(workload.error().code(), ErrorCode::kInvalid);
  auto template_only = RevisionTemplate(referenced, sets, 1);
  ASSERT_TRUE(template_only.ok());
}

struct ImageCase {
  const char* image;
  const char* tag;
  const char* digest;
  const char* label;
};

TEST(Release, ImageVersionsAndTheirLabel) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  const std::string long_tag(100, 'x');
  const ImageCase cases[] = {
      {"web:v2", "v2", "", "v2"},
      {"registry.local:5000/shop/web:1.4.0", "1.4.0", "", "1.4.0"},
      {"registry.local:5000/shop/web", "latest", "", "latest"},
      {"nginx", "latest", "", "latest"},
      {"-weird_:_tag-", "_tag-", "", "tag"},
  };
  for (const ImageCase& c : cases) {
    SCOPED_TRACE(c.image);
    ImageVersion version = ParseImage("web", c.image);
    EXPECT_EQ(version.tag, c.tag);
    EXPECT_EQ(version.digest, c.digest);
    Value pod_template = Yaml("{spec: {containers: [{name: web}]}}");
    pod_template["spec"]["containers"].as_array()[0].Set("image", std::string(c.image));
    EXPECT_EQ(ImageTagLabelValue(pod_template), c.label);
  }
  ImageVersion pinned = ParseImage("web", "web:v2@" + digest);
  EXPECT_EQ(pinned.tag, "v2");
  EXPECT_EQ(pinned.digest, digest);
  Value by_digest = Yaml("{spec: {containers: [{name: web}]}}");
  by_digest["spec"]["containers"].as_array()[0].Set("image", "web@" + digest);
  EXPECT_EQ(ImageTagLabelValue(by_digest), "sha256-" + std::string(56, 'a'));
  by_digest["spec"]["containers"].as_array()[0].Set("image", "web:" + long_tag);
  EXPECT_EQ(ImageTagLabelValue(by_digest).size(), 63u);
  EXPECT_EQ(ImageTagLabelValue(Yaml("{spec: {}}")), "");
}

TEST(Release, IdentityKeepsTheThreeVersionsApart) {
  Value rollout = Canary("{stableRS: a, currentPodHash: b}");
  Value rs = ReplicaSet("b", 2, "registry.local:5000/shop/web:v2");
  rs["spec"]["template"]["metadata"]["labels"][kAppVersionLabel] = "1.4.0";
  rs["spec"]["template"]["spec"]["initContainers"] = Yaml("[{name: migrate, image: tools:3}]");
  ReleaseIdentity id = ReleaseId(rollout, rs);
  EXPECT_EQ(id.revision, 2);
  EXPECT_EQ(id.pod_template_hash, "b");
  EXPECT_EQ(id.app_version, "1.4.0");
  ASSERT_EQ(id.images.size(), 2u);
  EXPECT_EQ(id.images[0].tag, "v2");
  EXPECT_EQ(id.images[1].container, "migrate");
  EXPECT_EQ(id.role, "canary");
  EXPECT_EQ(id.ToString(), "revision 2 (b), app 1.4.0, images web:v2 migrate:3, canary");
  EXPECT_EQ(ReleaseId(rollout, ReplicaSet("a", 1, "web:v1")).role, "stable");
  EXPECT_EQ(ReleaseId(rollout, ReplicaSet("c", 3, "web:v0")).role, "");
}

}  // namespace
}  // namespace capstan::rollout
