// One case per error, warning and unsupported feature of ParseApplication and
// ToRenderRequest: the exact sentence a user reads.
#include <gtest/gtest.h>

#include "controller/application.h"
#include "core/yaml.h"

namespace capstan::controller {
namespace {

// A valid Application whose spec is `spec` (YAML, indented under `spec:`) and metadata
// `metadata`.
std::string AppYaml(std::string_view spec, std::string_view metadata = "  name: web\n") {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n" +
         std::string(metadata) + "spec:\n" + std::string(spec);
}

constexpr std::string_view kSource =
    "  source:\n    repoURL: https://git.example.com/web.git\n    path: web\n";
constexpr std::string_view kDestination =
    "  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n";

Result<Application> Parse(const std::string& yaml) {
  auto value = ParseYaml(yaml, "apps/web.yaml");
  if (!value.ok()) return std::move(value).error();
  return ParseApplication(*value, "apps/web.yaml");
}

std::string ErrorOf(const std::string& yaml) {
  auto app = Parse(yaml);
  if (app.ok()) return "(no error)";
  EXPECT_EQ(app.error().code(), ErrorCode::kInvalid);
  return app.error().message();
}

std::string Valid(std::string_view extra_spec) {
  return AppYaml(std::string(kSource) + std::string(kDestination) + std::string(extra_spec));
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string want;
};

TEST(ApplicationErrorsTest, EachErrorNamesFileApplicationAndField) {
  const std::string w = "apps/web.yaml: Application web: ";
  std::vector<ErrorCase> cases = {
      {"other kind", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
       "apps/web.yaml: expected apiVersion argoproj.io/v1alpha1 and kind Application, found "
       "v1 ConfigMap"},
      {"no name", AppYaml(std::string(kSource) + std::string(kDestination), "  labels: {}\n"),
       "apps/web.yaml: Application (unnamed): metadata.name: required"},
      {"no spec", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\n",
       w + "spec: required"},
      {"no source", AppYaml(kDestination), w + "spec.source: required"},
      {"no repoURL", AppYaml("  source: {path: web}\n" + std::string(kDestination)),
       w + "spec.source.repoURL: required"},
      {"absolute path", AppYaml("  source: {repoURL: x, path: /etc}\n" + std::string(kDestination)),
       w + "spec.source.path: must be relative to the repository root"},
      {"typo in source",
       AppYaml("  source: {repoURL: x, path: web, targetRevison: v2}\n" +
               std::string(kDestination)),
       w + "spec.source.targetRevison: unknown field (expected one of repoURL, path, "
           "targetRevision, helm, kustomize, directory, plugin, chart, ref, name)"},
      {"typo in helm",
       AppYaml("  source: {repoURL: x, path: web, helm: {valueFile: [a.yaml]}}\n" +
               std::string(kDestination)),
       w + "spec.source.helm.valueFile: unknown field (expected one of valueFiles, parameters, "
           "releaseName, values, fileParameters, version, passCredentials, "
           "ignoreMissingValueFiles, skipCrds, valuesObject, namespace, kubeVersion, "
           "apiVersions, skipTests, skipSchemaValidation)"},
      {"helm parameter without name",
       AppYaml("  source: {repoURL: x, path: web, helm: {parameters: [{value: a}]}}\n" +
               std::string(kDestination)),
       w + "spec.source.helm.parameters[0].name: required"},
      {"two source types",
       AppYaml("  source: {repoURL: x, path: web, helm: {}, directory: {}}\n" +
               std::string(kDestination)),
       w + "spec.source: set at most one of directory, kustomize, helm and plugin"},
      {"wrong type",
       AppYaml(std::string(kSource) + std::string(kDestination) +
               "  syncPolicy: {automated: {prune: \"yes\"}}\n"),
       w + "spec.syncPolicy.automated.prune: expected true or false"},
      {"empty sources", AppYaml("  sources: []\n" + std::string(kDestination)),
       w + "spec.sources: empty (give one source)"},
      {"no destination", AppYaml(kSource),
       w + "spec.destination: required (server or name, "
           "and namespace)"},
      {"server and name",
       AppYaml(std::string(kSource) + "  destination: {server: https://k, name: prod}\n"),
       w + "spec.destination: set server or name, not both"},
      {"neither server nor name",
       AppYaml(std::string(kSource) + "  destination: {namespace: web}\n"),
       w + "spec.destination: set server or name"},
      {"typo in destination",
       AppYaml(std::string(kSource) + "  destination: {server: https://k, namepsace: web}\n"),
       w + "spec.destination.namepsace: unknown field (expected one of server, name, "
           "namespace)"},
      {"sync option without value", Valid("  syncPolicy: {syncOptions: [CreateNamespace]}\n"),
       w + "spec.syncPolicy.syncOptions[0]: \"CreateNamespace\": expected Key=value"},
      {"sync option not a bool", Valid("  syncPolicy: {syncOptions: [PruneLast=yes]}\n"),
       w + "spec.syncPolicy.syncOptions[0]: \"PruneLast=yes\": expected PruneLast=true or "
           "PruneLast=false"},
      {"bad propagation policy",
       Valid("  syncPolicy: {syncOptions: [PrunePropagationPolicy=later]}\n"),
       w + "spec.syncPolicy.syncOptions[0]: \"PrunePropagationPolicy=later\": expected "
           "foreground, background or orphan"},
      {"bad backoff duration", Valid("  syncPolicy: {retry: {backoff: {duration: 5 min}}}\n"),
       w + "spec.syncPolicy.retry.backoff.duration: \"5 min\": unknown unit \" min\" (expected "
           "a duration like 30s, 5m or 1h30m)"},
      {"zero backoff factor", Valid("  syncPolicy: {retry: {backoff: {factor: 0}}}\n"),
       w + "spec.syncPolicy.retry.backoff.factor: must be at least 1"},
      {"capstan field under syncPolicy", Valid("  syncPolicy: {policy: {enforce: true}}\n"),
       w + "spec.syncPolicy.policy: not an Argo CD field (Argo CD would drop it); capstan reads "
           "this from the capstan.dev/ annotations, see docs/applications.md"},
      {"bad ignoreDifferences", Valid("  ignoreDifferences: [{group: apps}]\n"),
       w + "spec.ignoreDifferences[0].kind: missing"},
      {"negative history limit", Valid("  revisionHistoryLimit: -1\n"),
       w + "spec.revisionHistoryLimit: must not be negative"},
      {"misspelt capstan annotation",
       AppYaml(std::string(kSource) + std::string(kDestination),
               "  name: web\n  annotations: {capstan.dev/policy-enfroce: \"true\"}\n"),
       w + "metadata.annotations[\"capstan.dev/policy-enfroce\"]: unknown capstan annotation "
           "(expected capstan.dev/policy-enforce, capstan.dev/policy-rules, "
           "capstan.dev/auto-rollback or capstan.dev/auto-rollback-window)"},
      {"capstan annotation not a bool",
       AppYaml(std::string(kSource) + std::string(kDestination),
               "  name: web\n  annotations: {capstan.dev/policy-enforce: \"yes\"}\n"),
       w + "metadata.annotations[\"capstan.dev/policy-enforce\"]: expected \"true\" or "
           "\"false\""},
      {"bad rollback window",
       AppYaml(std::string(kSource) + std::string(kDestination),
               "  name: web\n  annotations: {capstan.dev/auto-rollback-window: \"5\"}\n"),
       w + "metadata.annotations[\"capstan.dev/auto-rollback-window\"]: \"5\": missing unit "
           "(expected a duration like 30s, 5m or 1h30m)"},
      {"absolute policy rules",
       AppYaml(std::string(kSource) + std::string(kDestination),
               "  name: web\n  annotations: {capstan.dev/policy-rules: /etc/rules.yaml}\n"),
       w + "metadata.annotations[\"capstan.dev/policy-rules\"]: expected a file path relative "
           "to the repository root"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ErrorOf(c.yaml), c.want);
  }
}

struct UnsupportedCase {
  std::string name;
  std::string yaml;
  std::string want;  // CheckSupported's message
  bool in_source;    // ToRenderRequest refuses too
};

TEST(ApplicationErrorsTest, UnsupportedFeaturesLoadButAreRefusedAtUse) {
  const std::string w = "apps/web.yaml: Application web: ";
  std::vector<UnsupportedCase> cases = {
      {"helm repository chart",
       AppYaml("  source: {repoURL: https://charts.example.com, chart: nginx, targetRevision: "
               "1.2.3}\n" +
               std::string(kDestination)),
       w + "spec.source.chart: Helm repository charts are not supported yet; keep the chart "
           "in a Git repository and name its folder in path",
       true},
      {"jsonnet",
       AppYaml("  source: {repoURL: x, path: web, directory: {jsonnet: {tlas: [{name: a, "
               "value: b}]}}}\n" +
               std::string(kDestination)),
       w + "spec.source.directory.jsonnet: Jsonnet is not supported yet", true},
      {"kustomize replicas",
       AppYaml("  source: {repoURL: x, path: web, kustomize: {replicas: [{name: web, count: "
               "3}]}}\n" +
               std::string(kDestination)),
       w + "spec.source.kustomize.replicas: this Kustomize override is not supported yet", true},
      {"several sources",
       AppYaml("  sources:\n  - {repoURL: x, path: a}\n  - {repoURL: other, path: b}\n" +
               std::string(kDestination)),
       w + "spec.sources: 2 sources given; Applications with several sources are not "
           "supported yet (use one)",
       true},
      {"plugin",
       AppYaml("  source: {repoURL: x, path: web, plugin: {name: cdk8s}}\n" +
               std::string(kDestination)),
       w + "spec.source.plugin: config management plugins are not supported", true},
      {"replace", Valid("  syncPolicy: {syncOptions: [Replace=true]}\n"),
       w + "spec.syncPolicy.syncOptions: Replace=true is not supported (capstan applies; it "
           "never replaces)",
       false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto app = Parse(c.yaml);
    ASSERT_TRUE(app.ok()) << app.error().message();
    Status supported = CheckSupported(*app);
    ASSERT_FALSE(supported.ok());
    EXPECT_EQ(supported.error().message(), c.want);
    auto request = ToRenderRequest(*app, "/checkout");
    EXPECT_EQ(request.ok(), !c.in_source);
    if (!request.ok()) {
      EXPECT_EQ(request.error().message(), c.want);
    }
  }
}

TEST(ApplicationErrorsTest, UnknownFieldsOutsideTheSourceAreWarnings) {
  auto app =
      Parse(Valid("  syncPolicy:\n"
                  "    automated: {prune: true, selfHeel: true}\n"
                  "    syncOptions: [SkipDryRunOnMissingResource=true]\n"
                  "    managedNamespaceMetadata: {labels: {a: b}}\n"
                  "  newArgoField: 1\n"));
  ASSERT_TRUE(app.ok()) << app.error().message();
  EXPECT_EQ(app->warnings,
            (std::vector<std::string>{
                "spec.newArgoField: unknown field, ignored",
                "spec.syncPolicy.automated.selfHeel: unknown field, ignored",
                "spec.syncPolicy.syncOptions[0]: sync option "
                "\"SkipDryRunOnMissingResource=true\" is not known to capstan, ignored",
                "spec.syncPolicy.managedNamespaceMetadata: not supported yet, ignored"}));
  EXPECT_TRUE(CheckSupported(*app).ok());
}

TEST(ApplicationErrorsTest, SourcesWinOverSourceWithAWarning) {
  auto app = Parse(AppYaml(std::string(kSource) + "  sources: [{repoURL: other, path: other}]\n" +
                           std::string(kDestination)));
  ASSERT_TRUE(app.ok()) << app.error().message();
  EXPECT_EQ(app->source.path, "other");
  EXPECT_EQ(app->warnings,
            std::vector<std::string>{"spec.source: ignored because spec.sources is set (as Argo CD "
                                     "does)"});
}

}  // namespace
}  // namespace capstan::controller
