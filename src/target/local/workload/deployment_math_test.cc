#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/yaml.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload {
namespace {

// The maxSurge / maxUnavailable table: surge rounds up, unavailable rounds down, both 0 gives
// unavailable 1 (Kubernetes' ResolveFenceposts and the Deployment docs).
TEST(ResolveFenceposts, KubernetesTable) {
  struct Case {
    std::string name;
    Value surge;  // null: default 25%
    Value unavailable;
    int64_t replicas;
    Fenceposts want;
  };
  const std::vector<Case> cases = {
      {"defaults of 10", nullptr, nullptr, 10, {3, 2}},
      {"25%/25% of 10", "25%", "25%", 10, {3, 2}},
      {"25%/25% of 1", "25%", "25%", 1, {1, 0}},
      {"25%/25% of 4", "25%", "25%", 4, {1, 1}},
      {"defaults of 3", nullptr, nullptr, 3, {1, 0}},
      {"30%/30% of 4", "30%", "30%", 4, {2, 1}},
      {"0/0 becomes 0/1", 0, 0, 4, {0, 1}},
      {"0%/0% becomes 0/1", "0%", "0%", 10, {0, 1}},
      {"1% of 2 surge, 0% unavailable", "1%", "0%", 2, {1, 0}},
      {"0% surge, 1% of 2 unavailable: rounds to 0, then 1", "0%", "1%", 2, {0, 1}},
      {"integers as given", 3, 2, 10, {3, 2}},
      {"integers larger than replicas", 5, 7, 2, {5, 7}},
      {"100% surge", "100%", 0, 5, {5, 0}},
      {"no replicas", "25%", "25%", 0, {0, 1}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Fenceposts> got =
        ResolveFenceposts(c.surge.is_null() ? nullptr : &c.surge,
                          c.unavailable.is_null() ? nullptr : &c.unavailable, c.replicas);
    ASSERT_TRUE(got.ok()) << got.error().message();
    EXPECT_EQ(got->max_surge, c.want.max_surge);
    EXPECT_EQ(got->max_unavailable, c.want.max_unavailable);
  }
}

TEST(ScaledValue, RoundsUpOrDown) {
  EXPECT_EQ(*ScaledValue("30%", 4, true, "f"), 2);   // ceil(1.2)
  EXPECT_EQ(*ScaledValue("30%", 4, false, "f"), 1);  // floor(1.2)
  EXPECT_EQ(*ScaledValue("50%", 4, true, "f"), 2);
  EXPECT_EQ(*ScaledValue("50%", 4, false, "f"), 2);
  EXPECT_EQ(*ScaledValue(7, 4, false, "f"), 7);
}

TEST(ScaledValue, RefusesWhatIsNeitherIntegerNorPercent) {
  for (const Value& bad : {Value("5"), Value("%"), Value("abc%"), Value(1.5), Value(true)}) {
    Result<int64_t> got = ScaledValue(bad, 10, true, "spec.strategy.rollingUpdate.maxSurge");
    ASSERT_FALSE(got.ok());
    EXPECT_NE(got.error().message().find("spec.strategy.rollingUpdate.maxSurge: invalid value"),
              std::string::npos)
        << got.error().message();
  }
}

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

TEST(PodTemplateHash, StableAndChangesExactlyWithTheTemplate) {
  Value a = Yaml(R"(
metadata: {labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.25"}]}
)");
  Value same_other_order = Yaml(R"(
spec: {containers: [{image: "nginx:1.25", name: web}]}
metadata: {labels: {app: web}}
)");
  Value b = a;
  b["spec"]["containers"].as_array()[0].Set("image", "nginx:1.26");
  std::string hash = PodTemplateHash(a, std::nullopt);
  EXPECT_EQ(hash, PodTemplateHash(same_other_order, std::nullopt));
  EXPECT_NE(hash, PodTemplateHash(b, std::nullopt));
  EXPECT_NE(hash, PodTemplateHash(a, 1));
  EXPECT_NE(PodTemplateHash(a, 1), PodTemplateHash(a, 2));
  // Spelt like Kubernetes: only the letters its SafeEncodeString gives decimal digits.
  EXPECT_GE(hash.size(), 1u);
  EXPECT_LE(hash.size(), 10u);
  for (char c : hash) EXPECT_NE(std::string("456789bcdf").find(c), std::string::npos) << hash;
}

TEST(RandomNameSuffix, SameSeedSameNames) {
  NameSuffix a = RandomNameSuffix(7);
  NameSuffix b = RandomNameSuffix(7);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string suffix = a();
    EXPECT_EQ(suffix, b());
    EXPECT_EQ(suffix.size(), 5u);
    for (char c : suffix) {
      EXPECT_NE(std::string("bcdfghjklmnpqrstvwxz2456789").find(c), std::string::npos);
    }
    seen.insert(suffix);
  }
  EXPECT_GT(seen.size(), 45u);
}

}  // namespace
}  // namespace capstan::target::local::workload
