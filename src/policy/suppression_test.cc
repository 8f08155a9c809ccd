#include <gtest/gtest.h>

#include <set>

#include "policy/internal/testing.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

using testing::LoadFixture;

std::set<std::string> RulesFiring(const Report& report, const std::string& object) {
  std::set<std::string> out;
  for (const Finding& f : report.findings) {
    if (f.object.name == object) out.insert(f.rule);
  }
  return out;
}

struct SuppressionCase {
  std::string name;
  std::string object;
  std::set<std::string> silenced;  // rules that fire without annotations but not here
  std::set<std::string> firing;    // rules that must still fire
};

TEST(Suppression, AnnotationsSilenceTheRulesTheyName) {
  auto policy = ParsePolicy(R"(apiVersion: capstan.dev/v1alpha1
kind: Policy
rules:
- id: team-label
  description: backend workloads name their team
  match: {labels: {tier: backend}}
  require: [{path: metadata.labels.team, exists: true}]
)",
                            "inline.yaml");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  Report report = Evaluate(LoadFixture("testdata/suppression/annotated.yaml"), *policy);

  const std::vector<SuppressionCase> cases = {
      {"capstan's list, with spaces, including a user rule",
       "listed-rules",
       {"latest-tag", "host-network", "team-label"},
       {"privileged-container", "missing-resources", "run-as-non-root"}},
      {"capstan's star silences every rule",
       "every-rule",
       {"latest-tag", "host-network", "privileged-container", "missing-resources"},
       {}},
      {"kube-linter's per-check annotations map to capstan's rules",
       "kube-linter-checks",
       {"missing-liveness-probe", "missing-readiness-probe", "privileged-container",
        "missing-resources"},
       {"latest-tag", "host-network", "privilege-escalation"}},
      {"kube-linter's ignore-all",
       "kube-linter-all",
       {"latest-tag", "host-network", "privileged-container"},
       {}},
  };
  for (const SuppressionCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::set<std::string> firing = RulesFiring(report, c.object);
    for (const std::string& rule : c.silenced) EXPECT_EQ(firing.count(rule), 0u) << rule;
    for (const std::string& rule : c.firing) EXPECT_EQ(firing.count(rule), 1u) << rule;
    if (c.firing.empty()) {
      EXPECT_TRUE(firing.empty());
    }
  }
}

TEST(Suppression, SuppressedFindingsAreCounted) {
  auto manifests = LoadFixture("testdata/suppression/annotated.yaml");
  // The same objects with their annotations removed fire on the rules they silenced.
  auto bare = manifests;
  for (Manifest& m : bare) m.object["metadata"].Erase("annotations");
  Report with = Evaluate(manifests, {});
  Report without = Evaluate(bare, {});
  EXPECT_EQ(without.suppressed, 0);
  EXPECT_GT(with.suppressed, 0);
  EXPECT_EQ(with.findings.size() + static_cast<size_t>(with.suppressed), without.findings.size());
}

}  // namespace
}  // namespace capstan::policy
