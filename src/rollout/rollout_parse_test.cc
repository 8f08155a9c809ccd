// ParseRollout on Rollouts as Argo's documentation writes them, and on broken ones (the
// message must name the field).
#include <gtest/gtest.h>

#include "rollout/rollout.h"
#include "rollout/test_support.h"

namespace capstan::rollout {
namespace {

using testing::LoadKind;
using testing::Yaml;

TEST(ParseRollout, GettingStartedBasicCanary) {
  auto spec = ParseRollout(LoadKind("argo/basic-rollout.yaml", "Rollout"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->name, "rollouts-demo");
  EXPECT_EQ(spec->replicas, 5);
  EXPECT_EQ(spec->revision_history_limit, 2);
  EXPECT_EQ(spec->progress_deadline_seconds, 600);
  ASSERT_TRUE(spec->canary.has_value());
  const CanaryStrategy& canary = *spec->canary;
  ASSERT_EQ(canary.steps.size(), 8u);
  EXPECT_EQ(canary.steps[0].Describe(), "setWeight: 20");
  EXPECT_EQ(canary.steps[1].Describe(), "pause");
  EXPECT_FALSE(canary.steps[1].pause_seconds.has_value());
  EXPECT_EQ(canary.steps[3].Describe(), "pause: 10");
  EXPECT_EQ(canary.steps[3].pause_seconds, 10);
  EXPECT_FALSE(canary.traffic_routing.has_value());
  EXPECT_TRUE(canary.max_surge.is_null());
}

TEST(ParseRollout, GettingStartedNginx) {
  auto spec = ParseRollout(LoadKind("argo/nginx-rollout.yaml", "Rollout"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  const CanaryStrategy& canary = *spec->canary;
  EXPECT_EQ(canary.canary_service, "rollouts-demo-canary");
  EXPECT_EQ(canary.stable_service, "rollouts-demo-stable");
  ASSERT_TRUE(canary.traffic_routing.has_value());
  ASSERT_TRUE(canary.traffic_routing->nginx.has_value());
  EXPECT_EQ(canary.traffic_routing->nginx->stable_ingress, "rollouts-demo-stable");
  EXPECT_EQ(canary.traffic_routing->max_traffic_weight, 100);
}

TEST(ParseRollout, BlueGreenExample) {
  auto spec = ParseRollout(LoadKind("argo/rollout-bluegreen.yaml", "Rollout"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  ASSERT_TRUE(spec->blue_green.has_value());
  EXPECT_EQ(spec->blue_green->active_service, "rollout-bluegreen-active");
  EXPECT_EQ(spec->blue_green->preview_service, "rollout-bluegreen-preview");
  EXPECT_FALSE(spec->blue_green->auto_promotion_enabled);
  EXPECT_EQ(spec->blue_green->auto_promotion_seconds, 0);
}

TEST(ParseRollout, AnalysisStepAndBackgroundAnalysis) {
  auto step = ParseRollout(LoadKind("argo/rollout-analysis-step.yaml", "Rollout"));
  ASSERT_TRUE(step.ok()) << step.error().message();
  const CanaryStep& analysis = step->canary->steps[1];
  EXPECT_EQ(analysis.kind, CanaryStep::Kind::kAnalysis);
  ASSERT_EQ(analysis.analysis.templates.size(), 2u);
  EXPECT_EQ(analysis.analysis.templates[0].template_name, "random-fail");
  EXPECT_FALSE(analysis.analysis.templates[0].cluster_scope);
  EXPECT_TRUE(analysis.analysis.templates[1].cluster_scope);

  auto background = ParseRollout(LoadKind("argo/rollout-background-analysis.yaml", "Rollout"));
  ASSERT_TRUE(background.ok()) << background.error().message();
  ASSERT_TRUE(background->canary->analysis.has_value());
  EXPECT_EQ(background->canary->analysis->analysis.templates[0].template_name, "random-fail");
  EXPECT_FALSE(background->canary->analysis->starting_step.has_value());
}

TEST(ParseRollout, GatewayApiPlugin) {
  auto spec = ParseRollout(LoadKind("argo/gatewayapi-rollout.yaml", "Rollout"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  const TrafficRouting& routing = *spec->canary->traffic_routing;
  ASSERT_TRUE(routing.gateway_api.has_value());
  EXPECT_EQ(routing.gateway_api->http_routes, std::vector<std::string>{"argo-rollouts-http-route"});
  EXPECT_EQ(routing.gateway_api->ns, "default");

  auto headers = ParseRollout(LoadKind("argo/gatewayapi-header-rollout.yaml", "Rollout"));
  ASSERT_TRUE(headers.ok()) << headers.error().message();
  const CanaryStep& route = headers->canary->steps[2];
  EXPECT_EQ(route.kind, CanaryStep::Kind::kSetHeaderRoute);
  EXPECT_EQ(route.set_header_route.name, "argo-rollouts");
  ASSERT_EQ(route.set_header_route.match.size(), 1u);
  EXPECT_EQ(route.set_header_route.match[0].header_name, "X-Test");
  EXPECT_EQ(route.set_header_route.match[0].header_value.exact, "test");
  EXPECT_TRUE(headers->canary->steps[4].set_header_route.match.empty());  // removes the route
  EXPECT_EQ(headers->canary->steps[1].Describe(), "setCanaryScale{replicas: 1}");
}

TEST(ParseRollout, WorkloadRefTakesTheGivenTemplate) {
  Value rollout = Yaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web, scaleDown: progressively}
  strategy: {canary: {steps: [{setWeight: 50}]}}
)");
  Value pod_template =
      Yaml("{metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: x}]}}");
  auto spec = ParseRollout(rollout, &pod_template);
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->pod_template, pod_template);
  EXPECT_EQ(spec->workload_ref->scale_down, "progressively");
  auto missing = ParseRollout(rollout);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "argoproj.io/Rollout shop/web: spec.workloadRef: the template of Deployment \"web\" "
            "was not given");
}

TEST(ParseDurationSeconds, SecondsAndGoDurations) {
  EXPECT_EQ(*ParseDurationSeconds(Value(30), "d"), 30);
  EXPECT_EQ(*ParseDurationSeconds(Value("30"), "d"), 30);
  EXPECT_EQ(*ParseDurationSeconds(Value("30s"), "d"), 30);
  EXPECT_EQ(*ParseDurationSeconds(Value("1m"), "d"), 60);
  EXPECT_EQ(*ParseDurationSeconds(Value("1h"), "d"), 3600);
  EXPECT_EQ(*ParseDurationSeconds(Value("1m30s"), "d"), 90);
  EXPECT_EQ(*ParseDurationSeconds(Value("1.5h"), "d"), 5400);
  EXPECT_EQ(*ParseDurationSeconds(Value("1500ms"), "d"), 1);
  auto day = ParseDurationSeconds(Value("1d"), "steps[1].pause.duration");
  ASSERT_FALSE(day.ok());
  EXPECT_EQ(day.error().message(),
            "steps[1].pause.duration: invalid duration \"1d\": use seconds (30) or a Go duration "
            "(\"30s\", \"5m\", \"1h\")");
  EXPECT_FALSE(ParseDurationSeconds(Value(-1), "d").ok());
  EXPECT_FALSE(ParseDurationSeconds(Value("-5s"), "d").ok());
}

struct BrokenCase {
  const char* name;
  const char* strategy;  // the YAML of spec.strategy
  const char* message;   // after "argoproj.io/Rollout default/web: "
};

TEST(ParseRollout, ErrorsNameTheField) {
  const BrokenCase cases[] = {
      {"no strategy", "{}", "spec.strategy: set exactly one of canary and blueGreen"},
      {"bad duration", "{canary: {steps: [{setWeight: 10}, {pause: {duration: 1d}}]}}",
       "spec.strategy.canary.steps[1].pause.duration: invalid duration \"1d\": use seconds (30) "
       "or a Go duration (\"30s\", \"5m\", \"1h\")"},
      {"weight above 100", "{canary: {steps: [{setWeight: 120}]}}",
       "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got 120"},
      {"experiment", "{canary: {steps: [{experiment: {templates: []}}]}}",
       "spec.strategy.canary.steps[0].experiment: not supported by capstan (see docs/rollouts.md)"},
      {"two fields in a step", "{canary: {steps: [{setWeight: 10, pause: {}}]}}",
       "spec.strategy.canary.steps[0]: Step must have exactly one field set"},
      {"empty step", "{canary: {steps: [{}]}}",
       "spec.strategy.canary.steps[0]: Step must have one of the following set: setWeight, pause, "
       "setCanaryScale, analysis or setHeaderRoute"},
      {"setCanaryScale without a router", "{canary: {steps: [{setCanaryScale: {replicas: 1}}]}}",
       "spec.strategy.canary.steps[0].setCanaryScale: requires trafficRouting to be set"},
      {"istio", "{canary: {canaryService: c, stableService: s, trafficRouting: {istio: {}}}}",
       "spec.strategy.canary.trafficRouting.istio: not supported by capstan (see "
       "docs/rollouts.md)"},
      {"router without services", "{canary: {trafficRouting: {nginx: {stableIngress: web}}}}",
       "spec.strategy.canary.canaryService: required with trafficRouting"},
      {"unknown plugin",
       "{canary: {canaryService: c, stableService: s, trafficRouting: {plugins: {x/y: {}}}}}",
       "spec.strategy.canary.trafficRouting.plugins.x/y: not supported by capstan (only "
       "argoproj-labs/gatewayAPI)"},
      {"header route not managed",
       "{canary: {canaryService: c, stableService: s, trafficRouting: {nginx: {stableIngress: w}},"
       " steps: [{setHeaderRoute: {name: h}}]}}",
       "spec.strategy.canary.steps[0].setHeaderRoute.name: \"h\" is not in "
       "trafficRouting.managedRoutes"},
      {"both fenceposts zero", "{canary: {maxSurge: 0, maxUnavailable: 0}}",
       "spec.strategy.canary.maxUnavailable: MaxSurge and MaxUnavailable both can not be zero"},
      {"maxSurge not a percent", "{canary: {maxSurge: \"5\"}}",
       "spec.strategy.canary.maxSurge: must be an integer or a percentage (\"25%\")"},
      {"no active service", "{blueGreen: {previewService: p}}",
       "spec.strategy.blueGreen.activeService: required"},
      {"analysis without templates", "{canary: {steps: [{analysis: {args: []}}]}}",
       "spec.strategy.canary.steps[0].analysis.templates: required"},
      {"bad podTemplateHashValue",
       "{canary: {analysis: {templates: [{templateName: t}], args: [{name: a, valueFrom: "
       "{podTemplateHashValue: Newest}}]}}}",
       "spec.strategy.canary.analysis.args[0].valueFrom.podTemplateHashValue: \"Newest\" is not "
       "Stable or Latest"},
  };
  for (const BrokenCase& c : cases) {
    SCOPED_TRACE(c.name);
    Value rollout = Yaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: x}]}}
)");
    rollout["spec"]["strategy"] = Yaml(c.strategy);
    auto spec = ParseRollout(rollout, nullptr, "apps/web.yaml");
    ASSERT_FALSE(spec.ok());
    EXPECT_EQ(spec.error().message(),
              std::string("argoproj.io/Rollout default/web: ") + c.message + " (apps/web.yaml)");
  }
}

TEST(ParseRollout, SelectorMustMatchTemplate) {
  Value rollout = Yaml(R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: other}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: x}]}}
  strategy: {canary: {}}
)");
  auto spec = ParseRollout(rollout);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message(),
            "argoproj.io/Rollout web: spec.selector: `selector` does not match template `labels`");
}

TEST(RolloutStatus, RoundTripsInArgoFieldOrder) {
  Value rollout = Yaml(R"(
status:
  pauseConditions:
  - {reason: CanaryPauseStep, startTime: "2026-01-02T03:04:05Z"}
  controllerPause: true
  currentPodHash: 6b8f7d9c5
  currentStepHash: 5f8b8d6c4
  replicas: 5
  updatedReplicas: 1
  readyReplicas: 5
  availableReplicas: 5
  currentStepIndex: 1
  observedGeneration: "2"
  conditions:
  - {type: Paused, status: "True", lastUpdateTime: "2026-01-02T03:04:05Z", lastTransitionTime: "2026-01-02T03:04:05Z", reason: RolloutPaused, message: Rollout is paused}
  canary:
    weights:
      canary: {weight: 20, serviceName: web-canary, podTemplateHash: 6b8f7d9c5}
      stable: {weight: 80, serviceName: web-stable, podTemplateHash: 7c9d8e6f4}
  blueGreen: {}
  HPAReplicas: 5
  selector: app=web
  stableRS: 7c9d8e6f4
  phase: Paused
  message: CanaryPauseStep
)");
  RolloutStatus status = ReadRolloutStatus(rollout);
  EXPECT_EQ(status.current_step_index, 1);
  EXPECT_TRUE(status.controller_pause);
  ASSERT_TRUE(status.canary.weights.has_value());
  EXPECT_EQ(status.canary.weights->canary.weight, 20);
  EXPECT_EQ(WriteRolloutStatus(status), *rollout.Find("status"));
  EXPECT_EQ(EmitYaml(WriteRolloutStatus(status)), EmitYaml(*rollout.Find("status")));
}

}  // namespace
}  // namespace capstan::rollout
