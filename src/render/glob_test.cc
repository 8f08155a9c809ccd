#include "render/internal/glob.h"

#include <gtest/gtest.h>

namespace capstan::render {
namespace {

TEST(GlobMatchTest, MatchesLikeArgoCdDirectoryGlobs) {
  struct Case {
    std::string pattern;
    std::string path;
    bool want;
  };
  std::vector<Case> cases = {
      {"*.yaml", "deploy.yaml", true},
      {"*.yaml", "app/deploy.yaml", false},
      {"*/*.yaml", "app/deploy.yaml", true},
      {"**/*.yaml", "deploy.yaml", true},
      {"**/*.yaml", "a/b/c/deploy.yaml", true},
      {"**.yaml", "a/b/deploy.yaml", true},
      {"app/**", "app/x/y.yaml", true},
      {"app/**", "other/app/y.yaml", false},
      {"*.{yaml,yml}", "x.yml", true},
      {"*.{yaml,yml}", "x.json", false},
      {"{a,b{1,2}}/*.yaml", "b2/x.yaml", true},
      {"{a,b{1,2}}/*.yaml", "b3/x.yaml", false},
      {"?.yaml", "a.yaml", true},
      {"?.yaml", "ab.yaml", false},
      {"[a-c]*.yaml", "config.yaml", true},
      {"[!a-c]*.yaml", "config.yaml", false},
      {"[^a-c]*.yaml", "deploy.yaml", true},
      {"\\*.yaml", "*.yaml", true},
      {"\\*.yaml", "a.yaml", false},
      {"[unclosed.yaml", "[unclosed.yaml", true},
      {"{unclosed.yaml", "{unclosed.yaml", true},
      {"exact.yaml", "exact.yaml", true},
      {"exact.yaml", "exact.yaml.bak", false},
      {"", "", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pattern + " vs " + c.path);
    EXPECT_EQ(GlobMatch(c.pattern, c.path), c.want);
  }
}

TEST(GlobMatchTest, AnyOfSeveralPatterns) {
  EXPECT_TRUE(GlobMatchAny({"*.json", "*.yaml"}, "a.yaml"));
  EXPECT_FALSE(GlobMatchAny({"*.json", "*.yaml"}, "a.yml"));
  EXPECT_FALSE(GlobMatchAny({}, "a.yaml"));
}

}  // namespace
}  // namespace capstan::render
