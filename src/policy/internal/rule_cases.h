// The table behind the built-in rule tests: one row per object of a fixture, saying which
// rule must report which fields of it (none = the rule must stay quiet for that object).
// Test-only; the rows live in pod_rules_test.cc and object_rules_test.cc.
#pragma once

#include <string>
#include <vector>

namespace capstan::policy::testing {

struct RuleCase {
  std::string name;
  std::string fixture;  // under testdata/rules/
  std::string rule;
  std::string object;  // ObjectKey::ToString()
  std::vector<std::string> paths;
  std::string expected_namespace = "";
};

// Rules about pods and containers: images, resources, probes, security.
const std::vector<RuleCase>& PodRuleCases();
// Rules about objects and how they relate: labels, selectors, services, HPAs, duplicates,
// namespaces.
const std::vector<RuleCase>& ObjectRuleCases();

// Runs every case: evaluates its fixture with the default config (plus the expected
// namespace) and compares the fields reported.
void RunRuleCases(const std::vector<RuleCase>& cases);

}  // namespace capstan::policy::testing
