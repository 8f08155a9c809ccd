#include <gtest/gtest.h>

#include "source/internal/testing.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using testing::GitRepo;
using testing::TempDir;

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GitRepo origin(tmp_.path() / "origin");
    c1_ = origin.Commit("one");
    origin.Git({"tag", "v1.0.0"});  // lightweight
    c2_ = origin.Commit("two");
    origin.Git({"tag", "-a", "v1.2.0", "-m", "release 1.2.0"});  // annotated
    origin.Git({"branch", "release-1"});
    c3_ = origin.Commit("three");
    origin.Git({"tag", "-a", "1.2.10", "-m", "no v prefix"});
    origin.Git({"tag", "docs-only"});
    c4_ = origin.Commit("four");
    origin.Git({"tag", "-a", "v1.3.0-rc.1", "-m", "candidate"});
    url_ = origin.url();
    RepositoryCache cache(tmp_.path() / "cache");
    Result<Repository> repo = cache.Fetch(url_);
    ASSERT_TRUE(repo.ok()) << repo.error().message();
    repo_ = *repo;
  }

  TempDir tmp_;
  std::string c1_, c2_, c3_, c4_, url_;
  Repository repo_;
};

TEST_F(ResolveTest, FindsBranchesTagsCommitsAndRanges) {
  struct Case {
    const char* name;
    std::string revision;
    std::string sha;
    std::string ref;
  };
  const Case cases[] = {
      {"HEAD", "HEAD", c4_, "HEAD"},
      {"empty means HEAD", "", c4_, "HEAD"},
      {"branch", "release-1", c2_, "refs/heads/release-1"},
      {"default branch", "main", c4_, "refs/heads/main"},
      {"lightweight tag", "v1.0.0", c1_, "refs/tags/v1.0.0"},
      {"annotated tag peeled to its commit", "v1.2.0", c2_, "refs/tags/v1.2.0"},
      {"full SHA", c3_, c3_, c3_},
      {"short SHA", c3_.substr(0, 8), c3_, c3_},
      {"wildcard range takes the highest", "v1.2.*", c3_, "refs/tags/1.2.10"},
      {"range without v", "1.*", c3_, "refs/tags/1.2.10"},
      {"bounded range", ">=1.0.0 <1.2.0", c1_, "refs/tags/v1.0.0"},
      {"caret", "^1.0", c3_, "refs/tags/1.2.10"},
      {"tilde", "~1.2.0", c3_, "refs/tags/1.2.10"},
      {"pre-release named", ">=1.3.0-0", c4_, "refs/tags/v1.3.0-rc.1"},
      {"exact version matches either spelling", "1.0.0", c1_, "refs/tags/v1.0.0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Resolved> resolved = Resolve(repo_, c.revision);
    ASSERT_TRUE(resolved.ok()) << resolved.error().message();
    EXPECT_EQ(resolved->sha, c.sha);
    EXPECT_EQ(resolved->ref, c.ref);
  }
}

TEST_F(ResolveTest, ErrorsNameTheRepositoryAndRevision) {
  const std::pair<const char*, std::string> cases[] = {
      {"v9.*", "git " + url_ + ": revision v9.*: no tag matches"},
      {"no-such-branch",
       "git " + url_ +
           ": revision no-such-branch: not a branch, tag, commit or version constraint"},
      {"deadbeef",
       "git " + url_ + ": revision deadbeef: not a branch, tag, commit or version constraint"},
  };
  for (const auto& [revision, message] : cases) {
    SCOPED_TRACE(revision);
    Result<Resolved> resolved = Resolve(repo_, revision);
    ASSERT_FALSE(resolved.ok());
    EXPECT_EQ(resolved.error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(resolved.error().message(), message);
  }
}

TEST_F(ResolveTest, UnfetchedRepositoryIsNotFound) {
  Repository never{url_, tmp_.path() / "not-fetched"};
  Result<Resolved> resolved = Resolve(never, "main");
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace capstan::source
