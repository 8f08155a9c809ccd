#include <gtest/gtest.h>

#include <thread>

#include "source/internal/git.h"
#include "source/internal/push.h"
#include "source/internal/testing.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using testing::GitRepo;
using testing::TempDir;

RevertRequest Request(std::string url, std::string branch, std::string good,
                      std::string expected_head = "") {
  RevertRequest request;
  request.url = std::move(url);
  request.branch = std::move(branch);
  request.good_revision = std::move(good);
  request.expected_head = std::move(expected_head);
  return request;
}

// A bare repository as the remote, fed by pushes from a work clone, as a Git server is.
class Remote {
 public:
  explicit Remote(const std::filesystem::path& root)
      : work(root / "work"), bare_(root / "remote.git") {
    work.Git({"init", "-q", "--bare", "-b", "main", bare_.string()});
    work.Git({"remote", "add", "origin", bare_.string()});
  }

  std::string url() const { return "file://" + bare_.string(); }
  const std::filesystem::path& bare() const { return bare_; }

  // Commits the work tree and pushes it to the remote's main.
  std::string Push(const std::string& message) {
    std::string sha = work.Commit(message);
    work.Git({"push", "-q", "origin", "HEAD:main"});
    return sha;
  }

  // `git args...` run in the bare remote.
  std::string Git(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"-C", bare_.string()};
    all.insert(all.end(), args.begin(), args.end());
    return work.Git(all);
  }

  GitRepo work;

 private:
  std::filesystem::path bare_;
};

TEST(RevertToRevision, PushesOneCommitWithTheGoodTreeOnTopOfTheHead) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("app/deploy.yaml", "replicas: 2\n");
  remote.work.Write("app/old.yaml", "kind: ConfigMap\n");
  std::string good = remote.Push("Deploy v1");
  remote.work.Write("app/deploy.yaml", "replicas: 3\n");
  remote.work.Write("app/new.yaml", "kind: Service\n");
  std::string second = remote.Push("Scale to 3");
  std::filesystem::remove(remote.work.dir() / "app/old.yaml");
  remote.work.Write("app/deploy.yaml", "replicas: 3\nimage: v2\n");
  std::string bad = remote.Push("Deploy v2");

  RepositoryCache cache(tmp.path() / "cache");
  Result<std::string> reverted = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(reverted.ok()) << reverted.error().message();

  EXPECT_EQ(remote.Git({"rev-parse", "main"}), *reverted) << "the remote's branch moved";
  EXPECT_EQ(remote.Git({"rev-parse", *reverted + "^"}), bad) << "on top of the old head";
  EXPECT_EQ(remote.Git({"diff", "--stat", good, *reverted}), "") << "the good tree is back";
  EXPECT_EQ(remote.Git({"log", "-1", "--format=%an <%ae>|%cn <%ce>", *reverted}),
            "capstan <capstan@localhost>|capstan <capstan@localhost>");
  EXPECT_EQ(
      remote.Git({"log", "-1", "--format=%B", *reverted}),
      "Revert to " + good + ": Deploy v1\n\n" + bad + " Deploy v2\n" + second + " Scale to 3\n");

  // The oracle: Git's own revert of the same range gives the same tree.
  remote.work.Git({"revert", "--no-commit", good + "..HEAD"});
  remote.work.Git({"commit", "-q", "-m", "git's revert"});
  EXPECT_EQ(remote.work.Git({"rev-parse", "HEAD^{tree}"}),
            remote.Git({"rev-parse", *reverted + "^{tree}"}));

  Result<Repository> mirror = cache.Fetch(remote.url());
  ASSERT_TRUE(mirror.ok());
  EXPECT_EQ(Resolve(*mirror, "main")->sha, *reverted) << "the mirror sees the new commit";
}

TEST(RevertToRevision, TakesIdentityFullBranchNameAndATag) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("a.yaml", "a: 1\n");
  std::string good = remote.Push("one");
  remote.work.Git({"tag", "v1"});
  remote.work.Git({"push", "-q", "origin", "v1"});
  remote.work.Write("a.yaml", "a: 2\n");
  remote.Push("two");

  RepositoryCache cache(tmp.path() / "cache");
  WriteOptions options;
  options.author = {"Rita Rollback", "rita@example.com"};
  options.committer = {"Bot", "bot@example.com"};
  Result<std::string> reverted =
      RevertToRevision(cache, Request(remote.url(), "refs/heads/main", "v1"), options);
  ASSERT_TRUE(reverted.ok()) << reverted.error().message();
  EXPECT_EQ(remote.Git({"log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", "main"}),
            "Rita Rollback <rita@example.com>|Bot <bot@example.com>|Revert to " + good + ": one");
  EXPECT_EQ(remote.Git({"show", "main:a.yaml"}), "a: 1");

  // "HEAD": the remote's default branch.
  remote.work.Git({"pull", "-q", "origin", "main"});
  remote.work.Write("a.yaml", "a: 3\n");
  remote.Push("three");
  Result<std::string> on_head = RevertToRevision(cache, Request(remote.url(), "HEAD", "v1"));
  ASSERT_TRUE(on_head.ok()) << on_head.error().message();
  EXPECT_EQ(remote.Git({"rev-parse", "main"}), *on_head);
  EXPECT_EQ(remote.Git({"show", "main:a.yaml"}), "a: 1");
}

TEST(RevertToRevision, WritesNothingWhenTheTreeIsAlreadyTheGoodOne) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("a.yaml", "a: 1\n");
  std::string good = remote.Push("one");
  RepositoryCache cache(tmp.path() / "cache");
  Result<std::string> same = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(same.ok()) << same.error().message();
  EXPECT_EQ(*same, good);

  remote.work.Write("a.yaml", "a: 2\n");
  remote.Push("two");
  Result<std::string> first = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(first.ok()) << first.error().message();
  Result<std::string> again = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, *first) << "a retry after success writes no second commit";
  EXPECT_EQ(remote.Git({"rev-list", "--count", "main"}), "3");
}

TEST(RevertToRevision, WithAPathRevertsOnlyThatFolder) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("apps/web/deploy.yaml", "image: web-v1\n");
  remote.work.Write("apps/api/deploy.yaml", "image: api-v1\n");
  std::string good = remote.Push("Deploy web v1 and api v1");
  remote.work.Write("apps/web/deploy.yaml", "image: web-v2\n");
  remote.work.Write("apps/web/extra.yaml", "kind: Service\n");
  std::string web = remote.Push("Deploy web v2");
  remote.work.Write("apps/api/deploy.yaml", "image: api-v2\n");
  std::string api = remote.Push("Deploy api v2");

  RepositoryCache cache(tmp.path() / "cache");
  RevertRequest request = Request(remote.url(), "main", good);
  request.path = "./apps/web/";
  Result<std::string> reverted = RevertToRevision(cache, request);
  ASSERT_TRUE(reverted.ok()) << reverted.error().message();
  EXPECT_EQ(remote.Git({"diff", "--name-only", good, *reverted, "--", "apps/web"}), "");
  EXPECT_EQ(remote.Git({"diff", "--name-only", api, *reverted}),
            "apps/web/deploy.yaml\napps/web/extra.yaml")
      << "only the web app's files changed";
  EXPECT_EQ(
      remote.Git({"log", "-1", "--format=%B", *reverted}),
      "Revert apps/web to " + good + ": Deploy web v1 and api v1\n\n" + web + " Deploy web v2\n")
      << "the api commit is not listed";

  // Already back: nothing more to write, though other folders differ from the good tree.
  Result<std::string> again = RevertToRevision(cache, request);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, *reverted);

  // A folder that did not exist at the good revision goes away.
  remote.work.Git({"pull", "-q", "origin", "main"});
  remote.work.Write("apps/new/deploy.yaml", "image: new\n");
  remote.Push("Add the new app");
  request.path = "apps/new";
  Result<std::string> removed = RevertToRevision(cache, request);
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_EQ(remote.Git({"ls-tree", "--name-only", *removed, "apps/"}), "apps/api\napps/web");

  request.path = "apps/../secrets";
  EXPECT_EQ(RevertToRevision(cache, request).error().code(), ErrorCode::kInvalid);
  request.path = "apps/nope";
  Result<std::string> nope = RevertToRevision(cache, request);
  ASSERT_FALSE(nope.ok());
  EXPECT_EQ(nope.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(nope.error().message().find("path apps/nope: in neither"), std::string::npos)
      << nope.error().message();
}

TEST(RevertToRevision, ListsAtMostTwentyRevertedCommits) {
  TempDir tmp;
  Remote remote(tmp.path());
  std::string good = remote.Push("base");
  for (int i = 0; i < 23; ++i) {
    remote.work.Write("n.txt", std::to_string(i));
    remote.work.Commit("change " + std::to_string(i));
  }
  remote.work.Git({"push", "-q", "origin", "HEAD:main"});
  RepositoryCache cache(tmp.path() / "cache");
  Result<std::string> reverted = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(reverted.ok()) << reverted.error().message();
  std::string body = remote.Git({"log", "-1", "--format=%b", *reverted});
  EXPECT_NE(body.find(" change 22\n"), std::string::npos) << body;
  EXPECT_NE(body.find(" change 3\n"), std::string::npos) << body;
  EXPECT_EQ(body.find(" change 2\n"), std::string::npos) << body;
  EXPECT_NE(body.find("... and 3 more"), std::string::npos) << body;
}

TEST(RevertToRevision, RefusesWhatCannotBeReverted) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("a.yaml", "a: 1\n");
  std::string first = remote.Push("one");
  remote.work.Git({"checkout", "-q", "-b", "side"});
  remote.work.Write("a.yaml", "side\n");
  std::string side = remote.work.Commit("side");
  remote.work.Git({"push", "-q", "origin", "side"});
  remote.work.Git({"checkout", "-q", "main"});
  remote.work.Write("a.yaml", "a: 2\n");
  std::string head = remote.Push("two");
  RepositoryCache cache(tmp.path() / "cache");

  struct Case {
    std::string name;
    RevertRequest request;
    ErrorCode code;
    std::string words;
  };
  const std::string url = remote.url();
  std::vector<Case> cases = {
      {"not an ancestor", Request(url, "main", side, ""), ErrorCode::kInvalid,
       "is not an ancestor"},
      {"no such branch", Request(url, "nope", first, ""), ErrorCode::kNotFound, "no such branch"},
      {"no such revision", Request(url, "main", "v9", ""), ErrorCode::kNotFound, "v9"},
      {"bad branch name", Request(url, "a..b", first, ""), ErrorCode::kInvalid,
       "not a valid branch"},
      {"head moved away from the expected", Request(url, "main", first, first),
       ErrorCode::kConflict, "not at the expected " + first},
      {"no such remote",
       Request("file://" + (tmp.path() / "missing.git").string(), "main", first, ""),
       ErrorCode::kUnavailable, "missing.git"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::string> result = RevertToRevision(cache, c.request);
    ASSERT_FALSE(result.ok()) << *result;
    EXPECT_EQ(result.error().code(), c.code) << result.error().message();
    EXPECT_NE(result.error().message().find(c.words), std::string::npos)
        << result.error().message();
    EXPECT_EQ(result.error().message().rfind("git ", 0), 0u) << result.error().message();
  }
  EXPECT_EQ(remote.Git({"rev-parse", "main"}), head) << "nothing was pushed";
}

TEST(RevertToRevision, ConflictWhenTheBranchMovesBetweenFetchAndPush) {
  TempDir tmp;
  Remote remote(tmp.path());
  remote.work.Write("a.yaml", "a: 1\n");
  std::string good = remote.Push("one");
  remote.work.Write("a.yaml", "a: 2\n");
  std::string head = remote.Push("two");
  RepositoryCache cache(tmp.path() / "cache");
  Result<Repository> mirror = cache.Fetch(remote.url());
  ASSERT_TRUE(mirror.ok());
  // What RevertToRevision builds after its fetch, made by hand so the remote can move first.
  std::string commit = remote.work.Git({"-C", mirror->path.string(), "commit-tree",
                                        good + "^{tree}", "-p", head, "-m", "Revert to one"});
  remote.work.Write("b.yaml", "b: 1\n");
  std::string moved = remote.Push("someone else");

  Result<internal::GitPtr<git_repository>> git = internal::Open(*mirror);
  ASSERT_TRUE(git.ok());
  git_oid parent, created;
  git_oid_fromstr(&parent, head.c_str());
  git_oid_fromstr(&created, commit.c_str());
  Status pushed = internal::PushFastForward(git->get(), *mirror, "main", parent, created, nullptr);
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().code(), ErrorCode::kConflict) << pushed.error().message();
  EXPECT_EQ(pushed.error().message(),
            "git " + remote.url() + ": branch main: moved on the remote since the fetch");
  EXPECT_EQ(remote.Git({"rev-parse", "main"}), moved) << "the other commit is kept";

  // The caller's retry: fetch again and revert on top of the new head.
  Result<std::string> retried = RevertToRevision(cache, Request(remote.url(), "main", good));
  ASSERT_TRUE(retried.ok()) << retried.error().message();
  EXPECT_EQ(remote.Git({"rev-parse", *retried + "^"}), moved);
  EXPECT_EQ(remote.Git({"diff", "--stat", good, *retried}), "");
}

TEST(RevertToRevision, ConcurrentRevertsLoseNoCommit) {
  TempDir tmp;
  Remote remote(tmp.path());
  std::vector<std::string> goods;
  for (int i = 0; i < 4; ++i) {
    remote.work.Write("n.txt", std::to_string(i));
    goods.push_back(remote.Push("state " + std::to_string(i)));
  }
  remote.work.Write("n.txt", "bad");
  remote.Push("bad");
  constexpr int kThreads = 4;
  std::vector<std::unique_ptr<RepositoryCache>> caches;
  caches.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    caches.push_back(std::make_unique<RepositoryCache>(tmp.path() / ("cache" + std::to_string(i))));
  }
  std::vector<Result<std::string>> results(kThreads, Error::Internal("not run"));
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = RevertToRevision(*caches[i], Request(remote.url(), "main", goods[i]));
    });
  }
  for (std::thread& t : threads) t.join();
  int succeeded = 0;
  for (const Result<std::string>& result : results) {
    if (!result.ok()) {
      EXPECT_EQ(result.error().code(), ErrorCode::kConflict) << result.error().message();
      continue;
    }
    ++succeeded;
    // No lost update: every reported commit is in the branch's history.
    EXPECT_EQ(remote.Git({"merge-base", "--is-ancestor", *result, "main"}), "") << *result;
    EXPECT_EQ(remote.Git({"branch", "--contains", *result}), "* main");
  }
  EXPECT_GE(succeeded, 1);
}

TEST(RevertToRevision, RefusesALocalRemoteWithTheBranchCheckedOut) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  std::string good = origin.Commit("one");
  origin.Write("a", "2");
  std::string head = origin.Commit("two");
  RepositoryCache cache(tmp.path() / "cache");
  Result<std::string> result = RevertToRevision(cache, Request(origin.url(), "main", good));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(result.error().message().find("checked out"), std::string::npos)
      << result.error().message();
  EXPECT_EQ(origin.Git({"rev-parse", "main"}), head);
}

}  // namespace
}  // namespace capstan::source
