#include <gtest/gtest.h>

#include "policy/internal/testing.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

using testing::FindingsOf;
using testing::LoadFixture;
using testing::PathsOf;

PolicyConfig TeamPolicy() {
  auto config = LoadPolicyFile("testdata/policies/team.yaml");
  EXPECT_TRUE(config.ok()) << config.error().message();
  return config.ok() ? *config : PolicyConfig{};
}

TEST(PolicyFile, LoadsRulesDisablesAndSeverities) {
  PolicyConfig config = TeamPolicy();
  ASSERT_EQ(config.user_rules.size(), 3u);
  const UserRule& team = config.user_rules[0];
  EXPECT_EQ(team.rule.id, "team-label");
  EXPECT_EQ(team.rule.severity, Severity::kError);
  EXPECT_EQ(team.match.kinds, (std::vector<std::string>{"Deployment", "StatefulSet"}));
  EXPECT_EQ(team.match.labels.at("tier"), "backend");
  ASSERT_EQ(team.require.size(), 3u);
  EXPECT_EQ(team.require[2].op, ConditionOp::kGreaterThanOrEqual);
  EXPECT_EQ(team.source, "testdata/policies/team.yaml");
  EXPECT_EQ(config.user_rules[1].rule.severity, Severity::kWarning);  // the default
  EXPECT_EQ(config.user_rules[1].rule.help_uri, "https://wiki.example.com/k8s/namespaces");
  EXPECT_EQ(config.disabled, (std::set<std::string>{"missing-liveness-probe"}));
  EXPECT_EQ(config.severities.at("recommended-labels"), Severity::kInfo);
  EXPECT_EQ(FindRule(config, "latest-tag")->severity, Severity::kWarning);
  EXPECT_EQ(FindRule(config, "version-label")->severity, Severity::kInfo);
  EXPECT_FALSE(FindRule(config, "no-such-rule").has_value());
}

struct UserRuleCase {
  std::string name;
  std::string rule;
  std::string object;
  std::vector<std::string> paths;
};

TEST(UserRules, EachFailingFieldIsOneFinding) {
  Report report = Evaluate(LoadFixture("testdata/rules/user-rules.yaml"), TeamPolicy());
  const std::vector<UserRuleCase> cases = {
      {"a backend workload meeting every condition",
       "team-label",
       "apps/Deployment shop/orders",
       {}},
      {"each unmet condition, and only the container that fails",
       "team-label",
       "apps/Deployment default/payments",
       {"metadata.labels.team", "spec.template.spec.containers[1].image", "spec.replicas"}},
      {"labels in match select the objects",
       "team-label",
       "apps/StatefulSet shop/frontend-cache",
       {}},
      {"a rule without match applies to every object",
       "no-default-namespace",
       "apps/Deployment default/payments",
       {"metadata.namespace"}},
      {"a namespace outside the list passes",
       "no-default-namespace",
       "apps/Deployment shop/orders",
       {}},
      {"a quoted key with dots",
       "version-label",
       "apps/Deployment default/payments",
       {"metadata.labels[\"app.kubernetes.io/version\"]"}},
      {"kinds in match leave StatefulSets out",
       "version-label",
       "apps/StatefulSet shop/frontend-cache",
       {}},
  };
  for (const UserRuleCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(PathsOf(FindingsOf(report, c.rule, c.object)), c.paths);
  }
}

TEST(UserRules, MessagesSayWhatFailedAndWhatTheRuleWants) {
  Report report = Evaluate(LoadFixture("testdata/rules/user-rules.yaml"), TeamPolicy());
  auto findings = FindingsOf(report, "team-label", "apps/Deployment default/payments");
  ASSERT_EQ(findings.size(), 3u);
  const std::string wants =
      "every backend workload names its team, pulls from our registry and runs two replicas";
  EXPECT_EQ(findings[0].Summary(),
            "apps/Deployment default/payments: metadata.labels.team: is missing: " + wants);
  EXPECT_EQ(findings[1].Summary(),
            "apps/Deployment default/payments: spec.template.spec.containers[1].image "
            "\"docker.io/mesh/proxy:1.9.0\": does not match /^registry\\.example\\.com//: " +
                wants);
  EXPECT_EQ(findings[2].Summary(),
            "apps/Deployment default/payments: spec.replicas 1: must be at least 2: " + wants);
  EXPECT_EQ(findings[0].severity, Severity::kError);
}

TEST(UserRules, PolicyDisablesAndOverridesBuiltins) {
  Report report = Evaluate(LoadFixture("testdata/rules/user-rules.yaml"), TeamPolicy());
  for (const Finding& f : report.findings) {
    EXPECT_NE(f.rule, "missing-liveness-probe");
    if (f.rule == "recommended-labels") {
      EXPECT_EQ(f.severity, Severity::kInfo);
    }
  }
  ASSERT_FALSE(report.rules.empty());
  EXPECT_EQ(report.rules.back().id, "version-label");
}

struct OperatorCase {
  std::string name;
  std::string condition;  // YAML flow map
  bool holds;
};

// Every operator, against one small object.
TEST(UserRules, Operators) {
  auto object = ParseYaml(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {env: prod, tier: web}
data:
  replicas: 3
  ratio: 0.5
  mode: fast
  list: [a, b]
  empty: []
)",
                          "object.yaml");
  ASSERT_TRUE(object.ok());
  const std::vector<OperatorCase> cases = {
      {"exists on a present field", "{path: data.mode, exists: true}", true},
      {"exists on a missing field", "{path: data.nope, exists: true}", false},
      {"exists false on a missing field", "{path: data.nope, exists: false}", true},
      {"exists false on a present field", "{path: data.mode, exists: false}", false},
      {"equals a string", "{path: data.mode, equals: fast}", true},
      {"equals compares types", "{path: data.replicas, equals: '3'}", false},
      {"equals a number, int against double", "{path: data.replicas, equals: 3.0}", true},
      {"equals a list", "{path: data.list, equals: [a, b]}", true},
      {"notEquals", "{path: data.mode, notEquals: slow}", true},
      {"notEquals on a missing field fails", "{path: data.nope, notEquals: slow}", false},
      {"oneOf", "{path: metadata.labels.env, oneOf: [staging, prod]}", true},
      {"oneOf, not in the list", "{path: metadata.labels.env, oneOf: [dev]}", false},
      {"notOneOf", "{path: metadata.labels.env, notOneOf: [dev]}", true},
      {"matches searches", "{path: data.mode, matches: 'as'}", true},
      {"matches anchored", "{path: data.mode, matches: '^as'}", false},
      {"matches a number is not a string", "{path: data.replicas, matches: '3'}", false},
      {"notMatches", "{path: data.mode, notMatches: '^slow'}", true},
      {"lessThan", "{path: data.ratio, lessThan: 1}", true},
      {"lessThanOrEqual at the bound", "{path: data.replicas, lessThanOrEqual: 3}", true},
      {"greaterThan at the bound", "{path: data.replicas, greaterThan: 3}", false},
      {"greaterThanOrEqual", "{path: data.replicas, greaterThanOrEqual: 2}", true},
      {"a comparison on a string fails", "{path: data.mode, greaterThan: 1}", false},
      {"every element must hold", "{path: 'data.list[*]', oneOf: [a, b]}", true},
      {"one element failing fails", "{path: 'data.list[*]', equals: a}", false},
      {"no elements hold vacuously", "{path: 'data.empty[*]', equals: x}", true},
      {"an index past the end is missing", "{path: 'data.list[5]', exists: true}", false},
      {"[*] over a map walks its values", "{path: 'metadata.labels[*]', matches: '^[a-z]+$'}",
       true},
  };
  for (const OperatorCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string text = R"(apiVersion: capstan.dev/v1alpha1
kind: Policy
rules:
- id: op
  description: the condition holds
  require:
  - )" + c.condition + "\n";
    auto config = ParsePolicy(text, "op.yaml");
    ASSERT_TRUE(config.ok()) << config.error().message();
    Report report = Evaluate({{*object, "object.yaml"}}, *config);
    EXPECT_EQ(FindingsOf(report, "op", "ConfigMap settings").empty(), c.holds);
  }
}

TEST(UserRules, LongValuesAreNotRunThroughTheRegex) {
  Value object = Value::MakeObject();
  object.Set("apiVersion", "v1");
  object.Set("kind", "ConfigMap");
  object["metadata"].Set("name", "big");
  object["data"].Set("blob", std::string(5000, 'a'));
  auto config = ParsePolicy(R"(apiVersion: capstan.dev/v1alpha1
kind: Policy
rules:
- id: blob
  description: blobs are short
  require: [{path: data.blob, matches: '^(a|aa)+$'}]
)",
                            "blob.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  Report report = Evaluate({{object, "big.yaml"}}, *config);
  auto findings = FindingsOf(report, "blob", "ConfigMap big");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "is longer than 1024 characters, too long to match against /^(a|aa)+$/: blobs are "
            "short");
}

}  // namespace
}  // namespace capstan::policy
