#include "diff/internal/quantity.h"

#include <gtest/gtest.h>

namespace capstan::diff::internal {
namespace {

TEST(CanonicalQuantity, WritesWhatTheApiServerStores) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.5", "500m"},      {"1000m", "1"},       {"2000", "2k"},
      {"1.5Gi", "1536Mi"},  {"1024Mi", "1Gi"},    {"0.5Ki", "512"},
      {"1e3", "1e3"},       {"1.5e3", "1500"},    {"100m", "100m"},
      {"0", "0"},           {"0.0m", "0"},        {"128Mi", "128Mi"},
      {"1000Mi", "1000Mi"}, {"0.1Ki", "102400m"}, {"1", "1"},
      {"250m", "250m"},     {"0.25", "250m"},     {"1.1234567891", "1123456790n"},
      {"-1", "-1"},         {"2Ki", "2Ki"},       {"1536", "1536"},
      {"12e6", "12e6"},     {"1M", "1M"},
  };
  for (const auto& [input, canonical] : cases) {
    SCOPED_TRACE(input);
    auto result = CanonicalQuantity(input);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, canonical);
  }
}

TEST(CanonicalQuantity, RefusesWhatIsNoQuantity) {
  for (std::string_view text : {"", "abc", "1x", "Gi", "1.2.3", "1e", "--1"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(CanonicalQuantity(text).has_value());
  }
}

TEST(CanonicalQuantityValue, AcceptsNumbersAsYamlReadsThem) {
  EXPECT_EQ(CanonicalQuantityValue(Value(1)), Value("1"));
  EXPECT_EQ(CanonicalQuantityValue(Value(0.25)), Value("250m"));
  EXPECT_EQ(CanonicalQuantityValue(Value("lots")), Value("lots"));
  EXPECT_EQ(CanonicalQuantityValue(Value(true)), Value(true));
}

}  // namespace
}  // namespace capstan::diff::internal
