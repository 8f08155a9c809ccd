// Bad policy files: each is refused with one sentence naming the file, the rule and the field.
#include <gtest/gtest.h>

#include "policy/policy.h"

namespace capstan::policy {
namespace {

constexpr std::string_view kHeader = "apiVersion: capstan.dev/v1alpha1\nkind: Policy\n";

// A policy whose only rule is `rule` (YAML lines indented for a list item).
std::string WithRule(std::string_view rule) {
  return std::string(kHeader) + "rules:\n- " + std::string(rule);
}

struct BadPolicyCase {
  std::string name;
  std::string text;
  std::string error;
};

TEST(PolicyFile, BadFilesAreOneClearError) {
  const std::vector<BadPolicyCase> cases = {
      {"an empty file", "",
       "bad.yaml: the policy file is empty (expected apiVersion "
       "capstan.dev/v1alpha1, kind Policy)"},
      {"not YAML", "rules: [\n", "bad.yaml:2:1: "},
      {"a list instead of a map", "- a\n",
       "bad.yaml: expected a map with apiVersion capstan.dev/v1alpha1 and kind Policy"},
      {"the wrong apiVersion", "apiVersion: v1\nkind: Policy\n",
       "bad.yaml: apiVersion: expected capstan.dev/v1alpha1"},
      {"the wrong kind", "apiVersion: capstan.dev/v1alpha1\nkind: Policies\n",
       "bad.yaml: kind: expected Policy"},
      {"a misspelled top-level field", std::string(kHeader) + "disabled: [latest-tag]\n",
       "bad.yaml: disabled: unknown field (expected one of apiVersion, kind, metadata, rules, "
       "disable, severities)"},
      {"a rule without an id", std::string(kHeader) + "rules:\n- description: x\n",
       "bad.yaml: rules[0].id: expected a string"},
      {"an id that is not kebab-case", WithRule("id: TeamLabel\n"),
       "bad.yaml: rules[0].id: \"TeamLabel\" is not a kebab-case id like team-label"},
      {"an id taken by a built-in rule", WithRule("id: latest-tag\n"),
       "bad.yaml: rules[0].id: \"latest-tag\" is a built-in rule; choose another id"},
      {"the same id twice",
       WithRule("{id: a, description: d, require: [{path: x, exists: true}]}\n"
                "- {id: a, description: d, require: [{path: x, exists: true}]}\n"),
       "bad.yaml: rules[1].id: \"a\" is defined twice"},
      {"a misspelled rule field",
       WithRule("id: team\n  description: d\n  requires: [{path: x, exists: true}]\n"),
       "bad.yaml: rule \"team\": requires: unknown field (expected one of id, severity, "
       "description, helpUri, match, require)"},
      {"an unknown severity",
       WithRule("id: team\n  severity: critical\n  description: d\n"
                "  require: [{path: x, exists: true}]\n"),
       "bad.yaml: rule \"team\": severity: expected error, warning or info"},
      {"no description", WithRule("id: team\n  require: [{path: x, exists: true}]\n"),
       "bad.yaml: rule \"team\": description: expected a one-line description of what the rule "
       "requires"},
      {"no conditions", WithRule("id: team\n  description: d\n  require: []\n"),
       "bad.yaml: rule \"team\": require: expected a non-empty list of conditions"},
      {"match kinds as a string",
       WithRule("id: team\n  description: d\n  match: {kinds: Deployment}\n"
                "  require: [{path: x, exists: true}]\n"),
       "bad.yaml: rule \"team\": match.kinds: expected a list of strings"},
      {"a misspelled match field",
       WithRule("id: team\n  description: d\n  match: {kind: [Deployment]}\n"
                "  require: [{path: x, exists: true}]\n"),
       "bad.yaml: rule \"team\": match.kind: unknown field (expected one of kinds, labels, "
       "namespaces)"},
      {"a path with an empty key",
       WithRule("id: team\n  description: d\n  require:\n  - {path: ok, exists: true}\n"
                "  - {path: metadata..team, exists: true}\n"),
       "bad.yaml: rule \"team\": require[1].path: empty key at column 10"},
      {"an unclosed bracket",
       WithRule(
           "id: team\n  description: d\n  require: [{path: 'spec.containers[0', exists: true}]\n"),
       "bad.yaml: rule \"team\": require[0].path: expected \"]\" at column 18"},
      {"an invalid regular expression",
       WithRule("id: team\n  description: d\n  require: [{path: x, matches: '(unclosed'}]\n"),
       "bad.yaml: rule \"team\": require[0].matches: invalid regular expression /(unclosed/: "},
      {"two operators in one condition",
       WithRule("id: team\n  description: d\n  require: [{path: x, exists: true, equals: 1}]\n"),
       "bad.yaml: rule \"team\": require[0]: expected exactly one operator besides path, found 2"},
      {"no operator", WithRule("id: team\n  description: d\n  require: [{path: x}]\n"),
       "bad.yaml: rule \"team\": require[0]: expected exactly one operator besides path, found 0"},
      {"an unknown operator",
       WithRule("id: team\n  description: d\n  require: [{path: x, contains: y}]\n"),
       "bad.yaml: rule \"team\": require[0].contains: unknown operator (expected exists, equals, "
       "notEquals, oneOf, notOneOf, matches, notMatches, lessThan, lessThanOrEqual, greaterThan "
       "or greaterThanOrEqual)"},
      {"a comparison with a string",
       WithRule("id: team\n  description: d\n  require: [{path: x, greaterThan: two}]\n"),
       "bad.yaml: rule \"team\": require[0].greaterThan: expected a number"},
      {"exists with a string",
       WithRule("id: team\n  description: d\n  require: [{path: x, exists: 'yes please'}]\n"),
       "bad.yaml: rule \"team\": require[0].exists: expected true or false"},
      {"oneOf with a scalar",
       WithRule("id: team\n  description: d\n  require: [{path: x, oneOf: a}]\n"),
       "bad.yaml: rule \"team\": require[0].oneOf: expected a list"},
      {"disabling a rule that does not exist", std::string(kHeader) + "disable: [latest-tags]\n",
       "bad.yaml: disable[0]: no rule is called \"latest-tags\" (`capstan lint --list-rules` "
       "lists them)"},
      {"a severity for a rule that does not exist",
       std::string(kHeader) + "severities: {team-label: info}\n",
       "bad.yaml: severities.team-label: no rule is called \"team-label\" (`capstan lint "
       "--list-rules` lists them)"},
      {"an unknown severity value", std::string(kHeader) + "severities: {latest-tag: fatal}\n",
       "bad.yaml: severities.latest-tag: expected error, warning or info"},
  };
  for (const BadPolicyCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto config = ParsePolicy(c.text, "bad.yaml");
    ASSERT_FALSE(config.ok());
    const std::string& message = config.error().message();
    // Messages that embed another library's words (the YAML parser, std::regex) are
    // checked up to where those begin; the rest exactly.
    if (c.error.back() == ' ') {
      EXPECT_EQ(message.substr(0, c.error.size()), c.error) << message;
    } else {
      EXPECT_EQ(message, c.error);
    }
  }
}

TEST(PolicyFile, DisablingAUserRuleOfTheSameFileIsAllowed) {
  auto config = ParsePolicy(WithRule("{id: team, description: d, require: [{path: x, exists: "
                                     "true}]}\ndisable: [team]\nseverities: {team: error}\n"),
                            "ok.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->disabled.count("team"), 1u);
  EXPECT_EQ(config->severities.at("team"), Severity::kError);
}

TEST(PolicyFile, MissingFileNamesThePath) {
  auto config = LoadPolicyFile("testdata/policies/does-not-exist.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message().find("testdata/policies/does-not-exist.yaml"),
            std::string::npos)
      << config.error().message();
}

TEST(PolicyFile, AnEmptyPolicyRunsTheBuiltins) {
  auto config = ParsePolicy(kHeader, "empty.yaml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(config->user_rules.empty());
  EXPECT_TRUE(config->disabled.empty());
}

}  // namespace
}  // namespace capstan::policy
