#include "core/label_selector.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan {
namespace {

Value Labels(std::string_view yaml) { return *ParseYaml(yaml, "test"); }

TEST(LabelSelectorTest, StringFormMatchesAsKubectl) {
  Value web = Labels("{app: web, tier: front, env: prod}");
  struct Case {
    const char* selector;
    bool matches;
  } cases[] = {
      {"", true},
      {"app=web", true},
      {"app==web", true},
      {"app=api", false},
      {"app!=api", true},
      {"missing!=x", true},
      {"env in (prod, staging)", true},
      {"env notin (prod)", false},
      {"missing notin (prod)", true},
      {"tier", true},
      {"!tier", false},
      {"!canary", true},
      {"app=web,env in (dev)", false},
      {"app=web, tier=front", true},
  };
  for (const Case& c : cases) {
    auto selector = LabelSelector::Parse(c.selector);
    ASSERT_TRUE(selector.ok()) << c.selector << ": " << selector.error().message();
    EXPECT_EQ(selector->Matches(&web), c.matches) << c.selector;
  }
}

TEST(LabelSelectorTest, ObjectFormWithExpressionsAndAServiceMap) {
  Value labels = Labels("{app: web, pod-template-hash: abc}");
  auto deployment = LabelSelector::FromValue(Labels(
      "{matchLabels: {app: web}, matchExpressions: [{key: track, operator: DoesNotExist}]}"));
  ASSERT_TRUE(deployment.ok()) << deployment.error().message();
  EXPECT_TRUE(deployment->Matches(&labels));
  auto service = LabelSelector::FromValue(Labels("{app: web, pod-template-hash: xyz}"));
  ASSERT_TRUE(service.ok());
  EXPECT_FALSE(service->Matches(&labels));
  EXPECT_FALSE(service->Matches(nullptr)) << "an object without labels";
}

TEST(LabelSelectorTest, BadSelectorsNameTheirPart) {
  EXPECT_EQ(LabelSelector::Parse("env in prod").error().message(),
            "label selector \"env in prod\": expected \"(values)\" in \"env in prod\"");
  EXPECT_EQ(LabelSelector::FromValue(Labels("{matchExpressions: [{key: a, operator: Has}]}"))
                .error()
                .message(),
            "matchExpressions[0].operator: \"Has\" is not In, NotIn, Exists or DoesNotExist");
}

}  // namespace
}  // namespace capstan
