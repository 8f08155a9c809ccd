#include "core/time.h"

#include <gtest/gtest.h>

namespace capstan {
namespace {

TEST(TimeTest, FormatsAndParsesKubernetesTimestamps) {
  auto time = std::chrono::system_clock::from_time_t(1795327226);
  EXPECT_EQ(FormatRfc3339(time), "2026-11-22T06:00:26Z");
  EXPECT_EQ(ParseRfc3339("2026-11-22T06:00:26Z"), time);
  EXPECT_EQ(ParseRfc3339("2026-11-22T06:00:26.123456Z"), time);
  EXPECT_EQ(ParseRfc3339("2026-11-22T08:00:26+02:00"), time);
  EXPECT_EQ(ParseRfc3339("2026-11-22 06:00:26"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-11-22T06:00:26Zjunk"), std::nullopt);
}

}  // namespace
}  // namespace capstan
