#include "target/local/pod/internal/expand.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace capstan::target::local::internal {
namespace {

TEST(ExpandVariables, AsTheKubelet) {
  const std::map<std::string, std::string, std::less<>> vars = {
      {"HOST", "db"}, {"PORT", "5432"}, {"EMPTY", ""}};
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"$(HOST):$(PORT)", "db:5432"},
      {"plain", "plain"},
      {"$(MISSING)", "$(MISSING)"},
      {"$$(HOST)", "$(HOST)"},
      {"$$$(HOST)", "$db"},
      {"$$", "$"},
      {"a$", "a$"},
      {"$HOST", "$HOST"},
      {"$(HOST", "$(HOST"},
      {"x$(EMPTY)y", "xy"},
      {"$()", "$()"},
      {"$(HOST)$(HOST)", "dbdb"},
      {"100$", "100$"},
      {"$$$$", "$$"},
  };
  for (const auto& [input, want] : cases) {
    SCOPED_TRACE(input);
    EXPECT_EQ(ExpandVariables(input, lookup), want);
  }
}

}  // namespace
}  // namespace capstan::target::local::internal
