// The three report formats, over one hand-built report.
#include <gtest/gtest.h>

#include "core/json.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

Report SampleReport() {
  Report report;
  report.rules = {
      {"latest-tag", Severity::kError, "Container images are pinned", "latest-tag", ""},
      {"recommended-labels", Severity::kInfo, "Workloads carry labels", "recommended-labels", ""},
      {"team-label", Severity::kWarning, "every workload names its team", "",
       "https://wiki.example.com/team"},
  };
  report.findings = {
      {"latest-tag",
       Severity::kError,
       {"apps", "Deployment", "shop", "web"},
       "base/deploy.yaml",
       "spec.template.spec.containers[0].image",
       Value("nginx"),
       "latest is not a version: pin a tag or digest"},
      {"team-label",
       Severity::kWarning,
       {"apps", "Deployment", "shop", "web"},
       "overlays/prod env/deploy#1.yaml",
       "metadata.labels.team",
       std::nullopt,
       "is missing: every workload names its team"},
      {"recommended-labels",
       Severity::kInfo,
       {"", "ConfigMap", "", "generated"},
       "",
       "metadata.labels",
       std::nullopt,
       "missing app.kubernetes.io/name"},
  };
  report.suppressed = 2;
  return report;
}

TEST(TextFormat, OneLinePerFindingThenASummary) {
  EXPECT_EQ(FormatText(SampleReport()),
            "base/deploy.yaml: error latest-tag apps/Deployment shop/web: "
            "spec.template.spec.containers[0].image \"nginx\": latest is not a version: pin a tag "
            "or digest\n"
            "overlays/prod env/deploy#1.yaml: warning team-label apps/Deployment shop/web: "
            "metadata.labels.team: is missing: every workload names its team\n"
            "<generated>: info recommended-labels ConfigMap generated: metadata.labels: missing "
            "app.kubernetes.io/name\n"
            "3 findings: 1 error, 1 warning, 1 info (2 suppressed by annotations)\n");
}

TEST(TextFormat, NoFindingsSaysHowManyRulesRan) {
  Report report;
  report.rules = SampleReport().rules;
  EXPECT_EQ(FormatText(report), "no findings from 3 rules\n");
}

TEST(JsonFormat, FieldsAndSummary) {
  auto doc = ParseJson(FormatJson(SampleReport()), "report.json");
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ(doc->StringAt({"apiVersion"}), "capstan.dev/v1alpha1");
  EXPECT_EQ(doc->StringAt({"kind"}), "LintReport");
  const Value* findings = doc->Find("findings");
  ASSERT_TRUE(findings != nullptr && findings->is_array());
  ASSERT_EQ(findings->size(), 3u);
  const Value& first = findings->as_array()[0];
  EXPECT_EQ(first.StringAt({"rule"}), "latest-tag");
  EXPECT_EQ(first.StringAt({"severity"}), "error");
  EXPECT_EQ(first.StringAt({"object", "group"}), "apps");
  EXPECT_EQ(first.StringAt({"object", "kind"}), "Deployment");
  EXPECT_EQ(first.StringAt({"object", "namespace"}), "shop");
  EXPECT_EQ(first.StringAt({"object", "name"}), "web");
  EXPECT_EQ(first.StringAt({"source"}), "base/deploy.yaml");
  EXPECT_EQ(first.StringAt({"path"}), "spec.template.spec.containers[0].image");
  EXPECT_EQ(first.StringAt({"value"}), "nginx");
  EXPECT_EQ(first.StringAt({"message"}), "latest is not a version: pin a tag or digest");
  EXPECT_EQ(first.StringAt({"summary"}), SampleReport().findings[0].Summary());
  EXPECT_EQ(findings->as_array()[1].Find("value"), nullptr);
  EXPECT_EQ(*doc->At({"summary", "error"}), Value(1));
  EXPECT_EQ(*doc->At({"summary", "warning"}), Value(1));
  EXPECT_EQ(*doc->At({"summary", "info"}), Value(1));
  EXPECT_EQ(*doc->At({"summary", "suppressed"}), Value(2));
  ASSERT_EQ(doc->Find("rules")->size(), 3u);
  EXPECT_EQ(doc->Find("rules")->as_array()[2].StringAt({"severity"}), "warning");
}

}  // namespace
}  // namespace capstan::policy
