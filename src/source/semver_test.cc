#include "source/semver.h"

#include <gtest/gtest.h>

namespace capstan::source {
namespace {

TEST(ParseVersion, AcceptsSemverWithOptionalV) {
  struct Case {
    const char* name;
    const char* text;
    uint64_t major, minor, patch;
    std::vector<std::string> prerelease;
    const char* build;
  };
  const Case cases[] = {
      {"plain", "1.2.3", 1, 2, 3, {}, ""},
      {"leading v", "v1.2.3", 1, 2, 3, {}, ""},
      {"leading capital V", "V0.0.1", 0, 0, 1, {}, ""},
      {"zeros", "0.0.0", 0, 0, 0, {}, ""},
      {"pre-release", "1.0.0-rc.1", 1, 0, 0, {"rc", "1"}, ""},
      {"pre-release with hyphen", "1.0.0-x-y.2", 1, 0, 0, {"x-y", "2"}, ""},
      {"build metadata", "1.0.0+build.5", 1, 0, 0, {}, "build.5"},
      {"both", "v2.1.0-beta+exp.sha.5114f85", 2, 1, 0, {"beta"}, "exp.sha.5114f85"},
      {"big numbers", "10.200.3000", 10, 200, 3000, {}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Version> v = ParseVersion(c.text);
    ASSERT_TRUE(v.ok()) << v.error().message();
    EXPECT_EQ(v->major, c.major);
    EXPECT_EQ(v->minor, c.minor);
    EXPECT_EQ(v->patch, c.patch);
    EXPECT_EQ(v->prerelease, c.prerelease);
    EXPECT_EQ(v->build, c.build);
  }
}

TEST(ParseVersion, RefusesWhatIsNotAFullVersion) {
  const std::pair<const char*, const char*> cases[] = {
      {"empty", ""},
      {"just v", "v"},
      {"two parts", "1.2"},
      {"four parts", "1.2.3.4"},
      {"leading zero", "01.2.3"},
      {"leading zero in patch", "1.2.03"},
      {"letters", "1.2.three"},
      {"branch name", "main"},
      {"empty pre-release", "1.2.3-"},
      {"empty pre-release identifier", "1.2.3-rc..1"},
      {"leading zero in numeric pre-release", "1.2.3-rc.01"},
      {"bad character in pre-release", "1.2.3-rc_1"},
      {"empty build", "1.2.3+"},
      {"double v", "vv1.2.3"},
      {"wildcard", "1.2.*"},
      {"overflow", "99999999999999999999.0.0"},
      {"negative", "-1.2.3"},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    Result<Version> v = ParseVersion(text);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().message().find(std::string("\"") + text + "\""), std::string::npos)
        << v.error().message();
  }
}

TEST(CompareVersions, FollowsSemverPrecedence) {
  // Each entry is lower than the next (semver.org section 11's example and more).
  const char* ascending[] = {
      "0.0.1",       "0.1.0",         "0.9.9",
      "1.0.0-0",     "1.0.0-2",       "1.0.0-10",
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
      "1.0.0-rc.1",  "1.0.0",         "1.0.1",
      "1.2.0",       "1.10.0",        "2.0.0",
      "10.0.0",
  };
  const size_t n = std::size(ascending);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      SCOPED_TRACE(std::string(ascending[i]) + " vs " + ascending[j]);
      int c = CompareVersions(*ParseVersion(ascending[i]), *ParseVersion(ascending[j]));
      EXPECT_EQ(c < 0, i < j);
      EXPECT_EQ(c == 0, i == j);
      EXPECT_EQ(c > 0, i > j);
    }
  }
}

TEST(CompareVersions, IgnoresBuildMetadataAndThePrefix) {
  EXPECT_EQ(CompareVersions(*ParseVersion("1.0.0+a"), *ParseVersion("1.0.0+b")), 0);
  EXPECT_EQ(CompareVersions(*ParseVersion("v1.0.0"), *ParseVersion("1.0.0")), 0);
}

}  // namespace
}  // namespace capstan::source
