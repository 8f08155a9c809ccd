// policy: is this set of objects allowed?
//
// Evaluate() runs the built-in rule catalogue (docs/policy.md describes every rule) and the
// user rules of a policy file over a rendered set of objects and returns a Report: one
// Finding per problem, naming the object, the field and the next step. Evaluate is pure
// (no I/O, no clock, deterministic order); only LoadPolicyFile reads a file.
//
// Objects can opt out of rules with annotations (docs/policy.md "Suppressing findings"):
//   capstan.dev/ignore-rules: "latest-tag,host-network"   (or "*" for every rule)
//   ignore-check.kube-linter.io/<check>: "reason"          (kube-linter's, mapped to ours)
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::policy {

// How bad a finding is, best to worst. The order is load-bearing: `--fail-on warning`
// fails on every severity >= kWarning.
enum class Severity {
  kInfo,     // worth knowing (a convention not followed); never blocks by default
  kWarning,  // a likely mistake or an avoidable risk; blocks with --fail-on warning
  kError,    // will break, or is unsafe; blocks by default
};

// "info", "warning", "error".
std::string_view SeverityName(Severity severity);
// The inverse of SeverityName; nullopt for anything else (case-sensitive).
std::optional<Severity> ParseSeverity(std::string_view name);

// One entry of the rule catalogue (built-in or from a policy file).
struct Rule {
  std::string id;  // kebab-case, unique: "latest-tag"
  Severity severity = Severity::kWarning;
  std::string description;  // one line: what the rule checks
  // Built-in rules: the anchor of the rule's section in docs/policy.md ("latest-tag").
  // Empty for user rules.
  std::string doc_anchor;
  // User rules: the `helpUri` the policy file gives, if any. Empty for built-in rules.
  std::string help_uri;
};

// The built-in catalogue, in the order docs/policy.md lists it, with default severities.
const std::vector<Rule>& BuiltinRules();

// --- User rules (a policy file; docs/policy.md "User rules" is the reference) ---

// The operator of one condition. Every condition names a field path; the path may expand
// to several fields ([*]) and the condition must hold for each of them.
enum class ConditionOp {
  kExists,              // operand bool: the field is present (true) / absent (false)
  kEquals,              // operand any value: structural equality (1 == 1.0, "1" != 1)
  kNotEquals,           // the negation of kEquals; a missing field fails
  kOneOf,               // operand array: equals one of its elements
  kNotOneOf,            // operand array: equals none of its elements; a missing field fails
  kMatches,             // operand string: ECMAScript regex, searched in a string field
  kNotMatches,          // operand string: the regex is not found in a string field
  kLessThan,            // operand number: the field is a number below it
  kLessThanOrEqual,     //
  kGreaterThan,         //
  kGreaterThanOrEqual,  //
};

// The YAML key of `op` ("exists", "notEquals", "greaterThanOrEqual", ...).
std::string_view ConditionOpName(ConditionOp op);

struct Condition {
  // Dotted field path: `spec.replicas`, `spec.template.spec.containers[*].image`,
  // `spec.containers[0].name`, `metadata.labels["app.kubernetes.io/name"]`.
  std::string path;
  ConditionOp op = ConditionOp::kExists;
  Value operand;
};

// Which objects a user rule applies to. Every non-empty field must match.
struct RuleMatch {
  std::vector<std::string> kinds;             // object kinds ("Deployment"); empty = any
  std::map<std::string, std::string> labels;  // every pair present in metadata.labels
  std::vector<std::string> namespaces;        // metadata.namespace one of; empty = any
};

struct UserRule {
  Rule rule;
  RuleMatch match;
  std::vector<Condition> require;  // all must hold; at least one
  std::string source;              // the policy file, for messages
};

// What to check and how strictly. A default-constructed config runs every built-in rule
// at its catalogue severity and checks no namespace.
struct PolicyConfig {
  std::vector<UserRule> user_rules;
  // Rule ids (built-in or user) that do not run.
  std::set<std::string> disabled;
  // Rule id -> severity replacing the rule's own.
  std::map<std::string, Severity> severities;
  // The namespace the kustomization sets; when non-empty, namespace-mismatch reports
  // objects whose metadata.namespace differs. Empty (default): no namespace check.
  std::string expected_namespace;
};

// Parses a policy file's text (apiVersion capstan.dev/v1alpha1, kind Policy). `source`
// names it in errors, which are one sentence naming the file, the rule and the field:
// `team.yaml: rule "team-label": require[1].matches: invalid regular expression: ...`.
// Paths and regular expressions are checked here, so Evaluate never meets a bad one.
Result<PolicyConfig> ParsePolicy(std::string_view text, std::string_view source);

// Reads (at most 1 MiB) and parses a policy file; errors as ParsePolicy, naming `path`.
Result<PolicyConfig> LoadPolicyFile(const std::filesystem::path& path);

// The rule called `id`, built-in or in `config`'s user rules, with its severity as
// `config` sets it; nullopt when there is none.
std::optional<Rule> FindRule(const PolicyConfig& config, std::string_view id);

// --- Results ---

struct Finding {
  std::string rule;  // rule id
  Severity severity = Severity::kWarning;
  ObjectKey object;    // the object the finding is about
  std::string source;  // the file the object came from; "" when generated
  // The field at fault, as a path into the object
  // (`spec.template.spec.containers[0].image`); "" when the whole object is at fault.
  std::string path;
  std::optional<Value> value;  // the offending value, when there is one worth showing
  // What is wrong and the next step: `latest is not a version: pin a tag or digest`.
  std::string message;

  // One sentence naming the object, field, value and next step:
  // `apps/Deployment default/web: spec.template.spec.containers[0].image "nginx":
  // latest is not a version: pin a tag or digest`.
  std::string Summary() const;
};

struct Report {
  // Ordered by the objects' order in the input, then the order rules ran in (catalogue, then
  // user rules), then the order the rule met the fields in (containers[2] before [10]).
  std::vector<Finding> findings;
  // Every rule that ran (enabled built-in rules, then user rules) at its effective severity.
  std::vector<Rule> rules;
  // Findings dropped by an ignore annotation on their object.
  int suppressed = 0;

  int Count(Severity severity) const;
  // Whether any finding has severity >= `threshold`.
  bool HasAtLeast(Severity threshold) const;
};

// Checks `manifests` against the enabled rules of `config`. Pure and deterministic, so safe
// to call from several threads at once. Manifests may hold any Value: each rule either passes
// over fields it cannot read or reports them (docs/policy.md says which, per rule); nothing
// malformed makes Evaluate fail or crash.
Report Evaluate(const std::vector<Manifest>& manifests, const PolicyConfig& config);

// --- Output formats (docs/policy.md "Output formats" documents each) ---

// One line per finding, `source: severity rule summary`, then a summary line.
std::string FormatText(const Report& report);

// A stable JSON document: {"apiVersion", "kind": "LintReport", "findings": [...],
// "summary": {...}}.
std::string FormatJson(const Report& report);

struct SarifOptions {
  std::string tool_version;  // driver.version; omitted when empty
  // Where docs/policy.md is published; rule anchors are appended ("#latest-tag").
  std::string docs_uri = "https://capstan.dev/docs/policy.md";
};

// A SARIF 2.1.0 log with one run: the rules in tool.driver.rules, one result per finding.
std::string FormatSarif(const Report& report, const SarifOptions& options = {});

}  // namespace capstan::policy
