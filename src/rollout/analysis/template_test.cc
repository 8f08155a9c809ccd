#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/json.h"
#include "core/yaml.h"
#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis {
namespace {

std::vector<Value> LoadDocuments(const std::string& path) {
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto documents = ParseYamlStream(*text, path);
  EXPECT_TRUE(documents.ok()) << (documents.ok() ? "" : documents.error().message());
  std::vector<Value> out;
  if (documents.ok()) {
    for (auto& document : *documents) {
      if (!document.value.is_null()) out.push_back(document.value);
    }
  }
  return out;
}

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test.yaml");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

Argument Arg(std::string name, std::optional<std::string> value) {
  Argument arg;
  arg.name = std::move(name);
  arg.value = std::move(value);
  return arg;
}

std::string TemplateError(std::string_view yaml) {
  auto parsed = ParseAnalysisTemplate(Yaml(yaml), "test.yaml");
  return parsed.ok() ? "ok" : parsed.error().message();
}

// Every example of Argo Rollouts' documentation that capstan supports loads unchanged.
TEST(AnalysisTemplate, ArgoRolloutsDocumentationExamplesLoad) {
  const std::vector<std::string> refused = {"prometheus-range-query.yaml", "web-oauth2.yaml"};
  int templates = 0;
  int runs = 0;
  for (const auto& entry : std::filesystem::directory_iterator("testdata/argo-docs")) {
    std::string file = entry.path().filename().string();
    bool expect_refusal = std::find(refused.begin(), refused.end(), file) != refused.end();
    SCOPED_TRACE(file);
    for (const Value& document : LoadDocuments(entry.path().string())) {
      if (document.StringAt({"kind"}) == "AnalysisRun") {
        auto run = ParseAnalysisRun(document, file);
        EXPECT_TRUE(run.ok()) << run.error().message();
        ++runs;
        continue;
      }
      auto parsed = ParseAnalysisTemplate(document, file);
      if (expect_refusal) {
        EXPECT_FALSE(parsed.ok());
        continue;
      }
      ASSERT_TRUE(parsed.ok()) << parsed.error().message();
      ++templates;
    }
  }
  EXPECT_GE(templates, 25);
  EXPECT_EQ(runs, 2);
}

TEST(AnalysisTemplate, BackgroundSuccessRateFields) {
  auto documents = LoadDocuments("testdata/argo-docs/background-success-rate.yaml");
  ASSERT_EQ(documents.size(), 1u);
  auto parsed = ParseAnalysisTemplate(documents[0], "background-success-rate.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->kind, "AnalysisTemplate");
  EXPECT_EQ(parsed->name, "success-rate");
  ASSERT_EQ(parsed->args.size(), 1u);
  EXPECT_EQ(parsed->args[0].name, "service-name");
  EXPECT_FALSE(parsed->args[0].value.has_value());
  ASSERT_EQ(parsed->metrics.size(), 1u);

  std::vector<Argument> args = {Arg("service-name", "guestbook-svc.default.svc.cluster.local")};
  auto substituted = SubstituteArgs(parsed->metrics[0], args);
  ASSERT_TRUE(substituted.ok()) << substituted.error().message();
  auto metric = ParseMetric(*substituted, "spec.metrics[0]");
  ASSERT_TRUE(metric.ok()) << metric.error().message();
  EXPECT_EQ(metric->name, "success-rate");
  EXPECT_EQ(metric->interval, Duration(std::chrono::minutes(5)));
  EXPECT_EQ(metric->failure_limit, 3);
  EXPECT_EQ(metric->inconclusive_limit, 0);
  EXPECT_EQ(metric->consecutive_error_limit, 4);
  EXPECT_EQ(metric->EffectiveCount(), std::nullopt);  // interval only: until stopped
  EXPECT_EQ(metric->success_condition, "result[0] >= 0.95");
  ASSERT_TRUE(metric->success.has_value());
  ASSERT_TRUE(metric->prometheus.has_value());
  EXPECT_EQ(metric->prometheus->address, "http://prometheus.example.com:9090");
  EXPECT_NE(metric->prometheus->query.find("destination_service=~\"guestbook-svc.default.svc."
                                           "cluster.local\",response_code!~\"5.*\""),
            std::string::npos);
  EXPECT_EQ(metric->prometheus->query.find("{{"), std::string::npos);
}

TEST(AnalysisTemplate, NumericArgValueAndPlaceholderInAddress) {
  auto documents = LoadDocuments("testdata/argo-docs/inline-success-rate.yaml");
  ASSERT_EQ(documents.size(), 1u);
  auto parsed = ParseAnalysisTemplate(documents[0], "inline-success-rate.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->args.size(), 2u);
  EXPECT_EQ(parsed->args[1].value, "9090");  // `value: 9090` in YAML
  std::vector<Argument> args = parsed->args;
  args[0].value = "web.default.svc";
  auto metric = ParseMetric(*SubstituteArgs(parsed->metrics[0], args), "m");
  ASSERT_TRUE(metric.ok()) << metric.error().message();
  EXPECT_EQ(metric->prometheus->address, "http://prometheus.example.com:9090");
  EXPECT_EQ(metric->EffectiveCount(), 1);  // neither count nor interval: one measurement
}

TEST(AnalysisTemplate, WebMetricWithSecretArg) {
  auto documents = LoadDocuments("testdata/argo-docs/args-example.yaml");
  auto parsed = ParseAnalysisTemplate(documents.at(0), "args-example.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->args.size(), 5u);
  ASSERT_TRUE(parsed->args[4].secret_key_ref.has_value());
  EXPECT_EQ(parsed->args[4].secret_key_ref->name, "token-secret");
  EXPECT_EQ(parsed->args[4].secret_key_ref->key, "apiToken");
  std::vector<Argument> args = parsed->args;
  args[0].value = "guestbook";
  args[1].value = "abc";
  args[2].value = "def";
  args[4].value = "s3cret";
  auto metric = ParseMetric(*SubstituteArgs(parsed->metrics[0], args), "m");
  ASSERT_TRUE(metric.ok()) << metric.error().message();
  ASSERT_TRUE(metric->web.has_value());
  EXPECT_EQ(metric->web->url, "http://example/measure?service=guestbook");
  EXPECT_EQ(metric->web->method, "GET");
  ASSERT_EQ(metric->web->headers.size(), 1u);
  EXPECT_EQ(metric->web->headers[0].value, "Bearer s3cret");
  EXPECT_EQ(metric->web->json_path, "{$.results.ok}");
}

TEST(SubstituteArgs, AsArgoResolvesPlaceholders) {
  Value metric = Yaml(R"(
name: m
successCondition: "result[0] > {{ args.threshold }}"
provider:
  prometheus:
    query: 'rate(x{svc="{{args.svc}}"}[1m])'
)");
  std::vector<Argument> args = {Arg("svc", "a\"b"), Arg("threshold", "0.9")};
  auto resolved = SubstituteArgs(metric, args);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->StringAt({"successCondition"}), "result[0] > 0.9");
  EXPECT_EQ(resolved->At({"provider", "prometheus"})->StringAt({"query"}),
            "rate(x{svc=\"a\"b\"}[1m])");

  args = {Arg("svc", "x")};
  auto missing = SubstituteArgs(metric, args);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "failed to resolve {{ args.threshold }}");

  args = {Arg("svc", "x"), Arg("threshold", std::nullopt)};
  auto unset = SubstituteArgs(metric, args);
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().message(), "argument \"threshold\" was not supplied");
}

TEST(ParseDuration, GoSyntax) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  using std::chrono::seconds;
  EXPECT_EQ(*ParseDuration("30s"), Duration(seconds(30)));
  EXPECT_EQ(*ParseDuration("5m"), Duration(minutes(5)));
  EXPECT_EQ(*ParseDuration("1h"), Duration(hours(1)));
  EXPECT_EQ(*ParseDuration("1h30m"), Duration(minutes(90)));
  EXPECT_EQ(*ParseDuration("1.5h"), Duration(minutes(90)));
  EXPECT_EQ(*ParseDuration("500ms"), Duration(milliseconds(500)));
  EXPECT_EQ(*ParseDuration("0"), Duration(0));
  EXPECT_EQ(*ParseDuration("-2s"), Duration(seconds(-2)));
  EXPECT_EQ(ParseDuration("30").error().message(),
            "invalid duration \"30\": missing unit (for example \"30s\", \"5m\", \"1h\")");
  EXPECT_EQ(ParseDuration("5x").error().message(), "invalid duration \"5x\": unknown unit \"x\"");
  EXPECT_EQ(ParseDuration("").error().message(), "invalid duration \"\"");
  EXPECT_FALSE(ParseDuration("1..5s").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string want;
};

TEST(AnalysisTemplate, ErrorsNameObjectFieldAndFile) {
  const std::string head =
      "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: "
      "ns}\n";
  const std::vector<ErrorCase> cases = {
      {"bad interval",
       head +
           "spec:\n  metrics:\n  - {name: m, interval: 5x, provider: {prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].interval: invalid interval string: "
       "invalid "
       "duration \"5x\": unknown unit \"x\" (test.yaml)"},
      {"bad condition",
       head + "spec:\n  metrics:\n  - {name: m, successCondition: 'result[0] >=', provider: "
              "{prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].successCondition: column 13: unexpected "
       "end "
       "of expression (test.yaml)"},
      {"typo",
       head + "spec:\n  metrics:\n  - {name: m, successCondtion: 'true', provider: {prometheus: "
              "{query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0]: unknown field \"successCondtion\" "
       "(test.yaml)"},
      {"job", head + "spec:\n  metrics:\n  - {name: m, provider: {job: {spec: {}}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider.job: the job provider is not "
       "supported by capstan yet; use prometheus or web (test.yaml)"},
      {"datadog", head + "spec:\n  metrics:\n  - {name: m, provider: {datadog: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider.datadog: the datadog provider "
       "is not "
       "supported by capstan; use prometheus or web (test.yaml)"},
      {"no provider", head + "spec:\n  metrics:\n  - {name: m, provider: {}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider: no provider specified "
       "(test.yaml)"},
      {"two providers",
       head + "spec:\n  metrics:\n  - {name: m, provider: {prometheus: {query: q}, web: {url: "
              "'http://x'}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider: multiple providers specified "
       "(test.yaml)"},
      {"count without interval",
       head + "spec:\n  metrics:\n  - {name: m, count: 3, provider: {prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0]: interval must be specified when count "
       "> 1 (test.yaml)"},
      {"count below failureLimit",
       head + "spec:\n  metrics:\n  - {name: m, count: 2, interval: 1m, failureLimit: 3, provider: "
              "{prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0]: count (2) must be >= failureLimit + "
       "consecutiveSuccessLimit (3 + 0) if both >= 0 (test.yaml)"},
      {"both limits off",
       head + "spec:\n  metrics:\n  - {name: m, failureLimit: -1, provider: {prometheus: {query: "
              "q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0]: failureLimit and "
       "consecutiveSuccessLimit "
       "cannot both be disabled (test.yaml)"},
      {"duplicate metric",
       head + "spec:\n  metrics:\n  - {name: m, provider: {prometheus: {query: q}}}\n  - {name: m, "
              "provider: {prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[1]: duplicate name 'm' (test.yaml)"},
      {"GET with body",
       head + "spec:\n  metrics:\n  - {name: m, provider: {web: {url: 'http://x', body: b}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider.web: body and jsonBody can "
       "only be "
       "used with the POST or PUT method (test.yaml)"},
      {"bad jsonPath",
       head + "spec:\n  metrics:\n  - {name: m, provider: {web: {url: 'http://x', jsonPath: "
              "'{$.a[?(@.b)]}'}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider.web.jsonPath: unsupported "
       "jsonPath "
       "\"{$.a[?(@.b)]}\": [?(@.b)] is not an index or a quoted field (capstan reads $, .field, "
       "[index] "
       "and ['field']) (test.yaml)"},
      {"bad address",
       head + "spec:\n  metrics:\n  - {name: m, provider: {prometheus: {address: "
              "'prometheus:9090', query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].provider.prometheus.address: expected "
       "an "
       "http:// or https:// URL with a host, found \"prometheus:9090\" (test.yaml)"},
      {"count not a number",
       head + "spec:\n  metrics:\n  - {name: m, count: lots, provider: {prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics[0].count: expected an integer, found "
       "\"lots\" (test.yaml)"},
      {"arg without name",
       head + "spec:\n  args:\n  - {value: x}\n  metrics:\n  - {name: m, provider: {prometheus: "
              "{query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.args[0].name: required (test.yaml)"},
      {"no metrics", head + "spec: {args: []}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.metrics: no metrics specified (test.yaml)"},
      {"wrong kind",
       "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: t}\nspec: {}\n",
       "argoproj.io/Rollout /t: kind: expected AnalysisTemplate or ClusterAnalysisTemplate, found "
       "\"Rollout\" (test.yaml)"},
      {"bad dry-run pattern",
       head + "spec:\n  dryRun: [{metricName: '('}]\n  metrics:\n  - {name: m, provider: "
              "{prometheus: {query: q}}}\n",
       "argoproj.io/AnalysisTemplate ns/t: spec.dryRun[0].metricName: invalid regular expression"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string got = TemplateError(c.yaml);
    EXPECT_EQ(got.substr(0, c.want.size()), c.want) << got;
  }
}

TEST(AnalysisTemplate, PlaceholdersAreCheckedOnlyForType) {
  const std::string yaml = R"(
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec:
  args: [{name: interval}, {name: count}, {name: max}]
  metrics:
  - name: m
    interval: "{{args.interval}}"
    count: "{{args.count}}"
    successCondition: "result[0] < {{args.max}}"
    provider:
      prometheus: {address: "http://{{args.host}}:9090", query: q}
)";
  EXPECT_EQ(TemplateError(yaml), "ok");
}

TEST(NewAnalysisRun, MergesTemplatesAndArgsAsArgo) {
  auto documents = LoadDocuments("testdata/argo-docs/multiple-templates.yaml");
  ASSERT_EQ(documents.size(), 2u);
  std::vector<AnalysisTemplate> templates;
  for (const Value& document : documents) {
    auto parsed = ParseAnalysisTemplate(document, "multiple-templates.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    templates.push_back(*parsed);
  }
  NewRunOptions options;
  options.name = "guestbook-CurrentPodHash-multiple-templates";
  options.ns = "default";
  options.args = {Arg("service-name", "guestbook-svc.default.svc.cluster.local"),
                  Arg("unused", "x")};
  auto run = NewAnalysisRun(templates, options);
  ASSERT_TRUE(run.ok()) << run.error().message();

  // The documentation shows the AnalysisRun Argo generates from these templates.
  auto expected_documents = LoadDocuments("testdata/argo-docs/multiple-templates-run.yaml");
  auto expected = ParseAnalysisRun(expected_documents.at(0), "multiple-templates-run.yaml");
  ASSERT_TRUE(expected.ok()) << expected.error().message();
  EXPECT_EQ(EmitJson(*AnalysisRunToValue(*run).At({"spec"})),
            EmitJson(*AnalysisRunToValue(*expected).At({"spec"})));

  options.args = {};
  auto unresolved = NewAnalysisRun(templates, options);
  ASSERT_FALSE(unresolved.ok());
  EXPECT_EQ(unresolved.error().message(), "args.service-name was not resolved");

  templates.push_back(templates[0]);
  templates.back().name = "copy";
  options.args = {Arg("service-name", "x")};
  auto duplicate = NewAnalysisRun(templates, options);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message(), "two metrics have the same name 'success-rate'");
}

TEST(NewAnalysisRun, FollowsTemplateReferencesOnce) {
  auto documents = LoadDocuments("testdata/argo-docs/templates-without-metrics.yaml");
  ASSERT_EQ(documents.size(), 3u);
  std::vector<AnalysisTemplate> all;
  for (const Value& document : documents) {
    auto parsed = ParseAnalysisTemplate(document, "templates-without-metrics.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    all.push_back(*parsed);
  }
  TemplateLookup lookup = [&](std::string_view name, bool cluster) -> Result<AnalysisTemplate> {
    for (const AnalysisTemplate& t : all) {
      if (t.name == name && t.cluster_scope() == cluster) return t;
    }
    return Error::NotFound("AnalysisTemplate " + std::string(name) + " not found");
  };
  NewRunOptions options;
  options.name = "guestbook-CurrentPodHash-templates-in-template";
  options.args = {Arg("service-name", "guestbook-svc.default.svc.cluster.local")};
  // "rates" refers to success-rate and error-rate; success-rate given again is kept once.
  auto run = NewAnalysisRun({all[2], all[0]}, options, lookup);
  ASSERT_TRUE(run.ok()) << run.error().message();
  auto expected_documents = LoadDocuments("testdata/argo-docs/templates-in-template-run.yaml");
  auto expected = ParseAnalysisRun(expected_documents.at(0), "templates-in-template-run.yaml");
  ASSERT_TRUE(expected.ok()) << expected.error().message();
  EXPECT_EQ(EmitJson(*AnalysisRunToValue(*run).At({"spec"})),
            EmitJson(*AnalysisRunToValue(*expected).At({"spec"})));
}

TEST(AnalysisRun, RoundTripsThroughItsManifest) {
  const std::string yaml = R"(
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata:
  name: guestbook-abc-2
  namespace: default
  labels: {rollouts-pod-template-hash: abc}
spec:
  args:
  - {name: service-name, value: guestbook}
  - name: token
    valueFrom: {secretKeyRef: {name: s, key: k}}
  metrics:
  - name: success-rate
    interval: 5m
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus: {address: "http://prometheus:9090", query: "up{job=\"{{args.service-name}}\"}"}
  dryRun: [{metricName: success-rate}]
  measurementRetention: [{metricName: .*, limit: 20}]
status:
  phase: Failed
  message: 'Metric "success-rate" assessed Failed due to failed (4) > failureLimit (3)'
  startedAt: "2021-02-10T00:15:26Z"
  completedAt: "2021-02-10T00:35:26Z"
  runSummary: {count: 1, failed: 1}
  dryRunSummary: {}
  metricResults:
  - name: success-rate
    phase: Failed
    count: 4
    failed: 4
    dryRun: true
    metadata: {ResolvedPrometheusQuery: "up{job=\"guestbook\"}"}
    measurements:
    - phase: Failed
      startedAt: "2021-02-10T00:15:26Z"
      finishedAt: "2021-02-10T00:15:26Z"
      value: "[0.5]"
)";
  auto run = ParseAnalysisRun(Yaml(yaml), "run.yaml");
  ASSERT_TRUE(run.ok()) << run.error().message();
  EXPECT_EQ(run->status.phase, Phase::kFailed);
  ASSERT_EQ(run->status.metric_results.size(), 1u);
  EXPECT_EQ(run->status.metric_results[0].failed, 4);
  EXPECT_TRUE(run->status.metric_results[0].dry_run);
  EXPECT_EQ(run->status.metric_results[0].measurements[0].value, "[0.5]");
  Value emitted = AnalysisRunToValue(*run);
  auto again = ParseAnalysisRun(emitted, "emitted");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(EmitCanonicalJson(AnalysisRunToValue(*again)), EmitCanonicalJson(emitted));
  EXPECT_EQ(EmitCanonicalJson(emitted), EmitCanonicalJson(Yaml(yaml)));
}

}  // namespace
}  // namespace capstan::rollout::analysis
