#include <gtest/gtest.h>

#include "source/semver.h"

namespace capstan::source {
namespace {

struct Case {
  const char* constraint;
  std::vector<const char*> matching;
  std::vector<const char*> not_matching;
};

TEST(Constraint, MatchesLikeNpmAndArgoCd) {
  const Case cases[] = {
      {"1.2.3", {"1.2.3", "v1.2.3", "1.2.3+build"}, {"1.2.4", "1.2.2", "1.2.3-rc.1"}},
      {"v1.2.3", {"1.2.3"}, {"1.2.4"}},
      {"=1.2.3", {"1.2.3"}, {"1.2.4"}},
      {"!=1.2.3", {"1.2.4", "0.1.0"}, {"1.2.3", "1.2.4-rc.1"}},
      {"v1.2.*", {"1.2.0", "1.2.99"}, {"1.3.0", "1.1.9", "1.2.5-rc.1", "2.2.0"}},
      {"1.2.x", {"1.2.0", "1.2.7"}, {"1.3.0"}},
      {"1.2.X", {"1.2.7"}, {"1.3.0"}},
      {"1.2", {"1.2.0", "1.2.7"}, {"1.3.0", "1.1.0"}},
      {"1", {"1.0.0", "1.9.9"}, {"2.0.0", "0.9.0"}},
      {"1.x", {"1.0.0", "1.9.9"}, {"2.0.0"}},
      {"*", {"0.0.0", "1.0.0", "99.1.2"}, {"1.0.0-rc.1"}},
      {"x", {"3.0.0"}, {"3.0.0-alpha"}},
      {">=1.0.0 <2.0.0", {"1.0.0", "1.5.3", "1.99.99"}, {"0.9.9", "2.0.0", "1.5.0-rc.1"}},
      {">=1.0.0, <2.0.0", {"1.5.3"}, {"2.0.0"}},
      {">= 1.0.0 < 2.0.0", {"1.5.3"}, {"2.0.0", "0.1.0"}},
      {">1.2.3", {"1.2.4", "2.0.0"}, {"1.2.3", "1.0.0"}},
      {">1.2", {"1.3.0", "2.0.0"}, {"1.2.9", "1.2.0"}},
      {">=1.2", {"1.2.0", "1.3.0"}, {"1.1.9"}},
      {"<1.2.3", {"1.2.2", "0.0.1"}, {"1.2.3", "1.3.0"}},
      {"<1.2", {"1.1.99"}, {"1.2.0"}},
      {"<=1.2.3", {"1.2.3", "1.0.0"}, {"1.2.4"}},
      {"<=1.4", {"1.4.9"}, {"1.5.0"}},
      {"~1.2.3", {"1.2.3", "1.2.9"}, {"1.2.2", "1.3.0"}},
      {"~1.2", {"1.2.0", "1.2.9"}, {"1.3.0", "1.1.0"}},
      {"~1", {"1.0.0", "1.9.0"}, {"2.0.0"}},
      {"~>1.2.3", {"1.2.5"}, {"1.3.0"}},
      {"~0.2.3", {"0.2.3", "0.2.8"}, {"0.3.0"}},
      {"^1.2.3", {"1.2.3", "1.9.0"}, {"1.2.2", "2.0.0", "1.3.0-beta"}},
      {"^1.2", {"1.2.0", "1.99.0"}, {"1.1.0", "2.0.0"}},
      {"^1", {"1.0.0", "1.5.0"}, {"2.0.0"}},
      {"^0.2.3", {"0.2.3", "0.2.9"}, {"0.3.0", "0.2.2"}},
      {"^0.0.3", {"0.0.3"}, {"0.0.4", "0.0.2"}},
      {"^0.2", {"0.2.0", "0.2.9"}, {"0.3.0"}},
      {"^0.0", {"0.0.0", "0.0.9"}, {"0.1.0"}},
      {"^0", {"0.0.0", "0.9.9"}, {"1.0.0"}},
      {"1.2 - 1.4.5", {"1.2.0", "1.4.5"}, {"1.4.6", "1.1.9"}},
      {"1.2.3 - 2", {"1.2.3", "2.9.9"}, {"3.0.0", "1.2.2"}},
      {"^1.2 || ^3.0", {"1.5.0", "3.1.0"}, {"2.0.0", "4.0.0"}},
      {"1.2.3||2.0.0", {"1.2.3", "2.0.0"}, {"1.2.4"}},
      {">=1.0.0-0 <2.0.0", {"1.0.0-alpha", "1.5.0-rc.1", "1.5.0"}, {"0.9.0", "2.0.0"}},
      {"~2.0.0-rc.1", {"2.0.0-rc.1", "2.0.0-rc.2", "2.0.0", "2.0.5"}, {"2.0.0-beta", "2.1.0"}},
      {"1.0.0-rc.1", {"1.0.0-rc.1"}, {"1.0.0-rc.2", "1.0.0"}},
      {"^1.0.0-beta || ^2.0", {"1.0.0-beta.2"}, {"2.1.0-beta"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.constraint);
    Result<Constraint> constraint = Constraint::Parse(c.constraint);
    ASSERT_TRUE(constraint.ok()) << constraint.error().message();
    for (const char* v : c.matching) {
      EXPECT_TRUE(constraint->Matches(*ParseVersion(v))) << v << " should match";
    }
    for (const char* v : c.not_matching) {
      EXPECT_FALSE(constraint->Matches(*ParseVersion(v))) << v << " should not match";
    }
  }
}

TEST(Constraint, RefusesMalformedText) {
  const std::pair<const char*, const char*> cases[] = {
      {"empty", ""},
      {"only spaces", "   "},
      {"branch name", "main"},
      {"operator without version", ">="},
      {"unknown operator", "=>1.0.0"},
      {"wildcard then number", "1.*.3"},
      {"four parts", "1.2.3.4"},
      {"pre-release on a partial version", "1.2-rc.1"},
      {"empty alternative", "1.2.3 ||"},
      {"greater than anything", ">*"},
      {"not-equal to a range", "!=1.2"},
      {"hyphen range with operator", ">=1.0.0 - 2.0.0"},
      {"dangling hyphen", "1.0.0 -"},
      {"v before the operator", "v^1.2"},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    Result<Constraint> constraint = Constraint::Parse(text);
    ASSERT_FALSE(constraint.ok());
    EXPECT_EQ(constraint.error().message().rfind(std::string("version constraint \"") + text, 0),
              0u)
        << constraint.error().message();
  }
}

TEST(Constraint, HighestPicksTheGreatestMatchingTag) {
  const std::vector<std::string> tags = {"v1.0.0", "v1.2.0",      "not-a-version", "v1.2.10",
                                         "v1.2.9", "v1.3.0-rc.1", "v2.0.0",        "1.2.10"};
  const std::pair<const char*, std::optional<size_t>> cases[] = {
      {"v1.2.*", 3},        // 1.2.10 beats 1.2.9 numerically; the first of equals wins
      {"^1.0", 3},          // the release candidate is skipped
      {">=1.3.0-0 <2", 5},  // ...unless the constraint names a pre-release
      {"*", 6},
      {"<1.1", 0},
      {"v9.*", std::nullopt},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    Result<Constraint> constraint = Constraint::Parse(text);
    ASSERT_TRUE(constraint.ok()) << constraint.error().message();
    EXPECT_EQ(constraint->Highest(tags), want);
  }
}

}  // namespace
}  // namespace capstan::source
