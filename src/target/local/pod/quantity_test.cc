#include "target/local/pod/quantity.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace capstan::target::local {
namespace {

constexpr int64_t kInt64Max = 9223372036854775807;

struct Case {
  std::string text;
  bool parses;
  std::optional<int64_t> units;  // nullopt: does not fit (or not a quantity)
  std::optional<int64_t> millis;
};

TEST(Quantity, ParsesAsKubernetes) {
  const std::vector<Case> cases = {
      {"128Mi", true, 134217728, 134217728000},
      {"1G", true, 1000000000, 1000000000000},
      {"1Ki", true, 1024, 1024000},
      {"1.5Gi", true, 1610612736, 1610612736000},
      {"0.5", true, 1, 500},
      {"500m", true, 1, 500},
      {"1m", true, 1, 1},
      {"0.1m", true, 1, 1},
      {"100n", true, 1, 1},
      {"2", true, 2, 2000},
      {"1e3", true, 1000, 1000000},
      {"1E3", true, 1000, 1000000},
      {"1e+3", true, 1000, 1000000},
      {"1e-3", true, 1, 1},
      {"1E", true, 1000000000000000000, std::nullopt},  // exa; in millis it overflows
      {"1Ei", true, 1152921504606846976, std::nullopt},
      {"+5k", true, 5000, 5000000},
      {"0", true, 0, 0},
      {"000", true, 0, 0},
      {"0.0", true, 0, 0},
      {"1.", true, 1, 1000},
      {".5", true, 1, 500},
      {"1.25", true, 2, 1250},
      {"9223372036854775807", true, kInt64Max, std::nullopt},
      {"10E", true, std::nullopt, std::nullopt},  // beyond int64
      {"1e-50", true, 1, 1},                      // any non-zero amount is at least 1
      // Not quantities (or more digits than capstan keeps exactly).
      {"12345678901234567891", false, std::nullopt, std::nullopt},
      {"", false, std::nullopt, std::nullopt},
      {"12XB", false, std::nullopt, std::nullopt},
      {"1K", false, std::nullopt, std::nullopt},
      {"1ki", false, std::nullopt, std::nullopt},
      {"1 Mi", false, std::nullopt, std::nullopt},
      {"Mi1", false, std::nullopt, std::nullopt},
      {"1e", false, std::nullopt, std::nullopt},
      {"1.5.5", false, std::nullopt, std::nullopt},
      {"one", false, std::nullopt, std::nullopt},
      {"1Mi ", false, std::nullopt, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    std::optional<Quantity> q = Quantity::Parse(c.text);
    ASSERT_EQ(q.has_value(), c.parses);
    if (!q) continue;
    EXPECT_EQ(q->Units(), c.units);
    EXPECT_EQ(q->Millis(), c.millis);
  }
}

TEST(Quantity, NegativeIsParsedButHasNoUnits) {
  std::optional<Quantity> q = Quantity::Parse("-1Gi");
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->negative());
  EXPECT_EQ(q->Units(), std::nullopt);
}

TEST(Quantity, YamlNumbersAreQuantities) {
  EXPECT_EQ(Quantity::FromValue(Value(1))->Millis(), 1000);
  EXPECT_EQ(Quantity::FromValue(Value(0.25))->Millis(), 250);
  EXPECT_EQ(Quantity::FromValue(Value(1e9))->Units(), 1000000000);
  EXPECT_FALSE(Quantity::FromValue(Value(true)).has_value());
}

TEST(Quantity, ComparesExactly) {
  auto q = [](const char* text) { return *Quantity::Parse(text); };
  EXPECT_EQ(q("1Gi"), q("1073741824"));
  EXPECT_EQ(q("0.5"), q("500m"));
  EXPECT_EQ(q("1k"), q("1e3"));
  EXPECT_EQ(q("0"), q("0Mi"));
  EXPECT_LT(Quantity::Compare(q("999m"), q("1")), 0);
  EXPECT_GT(Quantity::Compare(q("1Ki"), q("1k")), 0);
  EXPECT_LT(Quantity::Compare(q("-1"), q("0")), 0);
  EXPECT_LT(Quantity::Compare(q("1n"), q("1E")), 0);
  EXPECT_GT(Quantity::Compare(q("1000001u"), q("1")), 0);
}

}  // namespace
}  // namespace capstan::target::local
