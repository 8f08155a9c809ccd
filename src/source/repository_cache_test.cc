#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "source/internal/testing.h"
#include "source/source.h"

namespace capstan::source {
namespace {

using testing::GitRepo;
using testing::TempDir;

// The mirrors and temporaries in `dir`; the empty "<mirror>.lock" files are not counted.
std::vector<std::string> Entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with(".lock")) names.push_back(name);
  }
  return names;
}

TEST(RepositoryCache, FetchClonesOnceAndLaterFetchesSeeNewCommits) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  origin.Write("app/deploy.yaml", "kind: Deployment\n");
  std::string first = origin.Commit("first");

  RepositoryCache cache(tmp.path() / "cache");
  Result<Repository> repo = cache.Fetch(origin.url());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(repo->url, origin.url());
  EXPECT_EQ(repo->path, cache.PathFor(origin.url()));
  EXPECT_EQ(repo->path.parent_path(), tmp.path() / "cache");
  EXPECT_EQ(repo->path.filename().string().size(), 32u) << "a hash of the URL";
  EXPECT_EQ(Resolve(*repo, "main")->sha, first);

  std::string second = origin.Commit("second");
  EXPECT_EQ(Resolve(*repo, "main")->sha, first) << "nothing changes before a fetch";
  Result<Repository> again = cache.Fetch(origin.url());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->path, repo->path);
  EXPECT_EQ(Resolve(*again, "main")->sha, second);
  EXPECT_EQ(Entries(tmp.path() / "cache").size(), 1u);
}

TEST(RepositoryCache, FetchTakesALocalPathAndFollowsTheRemoteDefaultBranch) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin", "trunk");
  std::string trunk = origin.Commit("on trunk");
  origin.Git({"branch", "other"});
  RepositoryCache cache(tmp.path() / "cache");
  Result<Repository> repo = cache.Fetch(origin.dir().string());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  Result<Resolved> head = Resolve(*repo, "HEAD");
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_EQ(head->sha, trunk);
  EXPECT_EQ(Resolve(*repo, "")->sha, trunk);
}

TEST(RepositoryCache, FetchSeesDeletedBranchesAndMovedTags) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  std::string first = origin.Commit("first");
  origin.Git({"tag", "v1.0.0"});
  origin.Git({"branch", "feature"});
  RepositoryCache cache(tmp.path() / "cache");
  ASSERT_TRUE(cache.Fetch(origin.url()).ok());

  std::string second = origin.Commit("second");
  origin.Git({"tag", "-f", "v1.0.0"});
  origin.Git({"branch", "-D", "feature"});
  Result<Repository> repo = cache.Fetch(origin.url());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  EXPECT_EQ(Resolve(*repo, "v1.0.0")->sha, second);
  Result<Resolved> feature = Resolve(*repo, "feature");
  ASSERT_FALSE(feature.ok()) << "the deleted branch still resolves to " << feature->sha;
}

TEST(RepositoryCache, FailedFirstFetchNamesTheUrlAndLeavesNothing) {
  TempDir tmp;
  RepositoryCache cache(tmp.path() / "cache");
  std::string url = "file://" + (tmp.path() / "missing.git").string();
  Result<Repository> repo = cache.Fetch(url);
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(repo.error().message().rfind("git " + url + ": fetch failed: ", 0), 0u)
      << repo.error().message();
  EXPECT_TRUE(Entries(tmp.path() / "cache").empty());
}

TEST(RepositoryCache, ConcurrentFetchesOfOneUrlAllSucceed) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  std::string head = origin.Commit("first");
  RepositoryCache cache(tmp.path() / "cache");
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<std::string> results(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<Repository> repo = cache.Fetch(origin.url());
      results[i] = repo.ok() ? Resolve(*repo, "main")->sha : repo.error().message();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& result : results) EXPECT_EQ(result, head);
  EXPECT_EQ(Entries(tmp.path() / "cache").size(), 1u) << "no temporary clone is left";
}

TEST(RepositoryCache, AFetchWaitsForAnotherProcessHoldingTheMirrorsLock) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  origin.Commit("first");
  RepositoryCache cache(tmp.path() / "cache");
  ASSERT_TRUE(cache.Fetch(origin.url()).ok());
  // Another open file description of the lock file conflicts exactly as another process.
  std::filesystem::path lock_path = cache.PathFor(origin.url());
  lock_path += ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  std::atomic<bool> done = false;
  std::thread fetch([&] {
    EXPECT_TRUE(cache.Fetch(origin.url()).ok());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(done) << "the fetch must wait for the lock";
  ::close(fd);
  fetch.join();
  EXPECT_TRUE(done);
}

TEST(ReadCommit, GivesAuthorMessageAndTime) {
  TempDir tmp;
  GitRepo origin(tmp.path() / "origin");
  origin.author_name = "Bea Builder";
  origin.author_email = "bea@example.com";
  origin.date = "1700000000 +0130";
  std::string sha = origin.Commit("Fix the probe\n\nLonger text.");
  RepositoryCache cache(tmp.path() / "cache");
  Result<Repository> repo = cache.Fetch(origin.url());
  ASSERT_TRUE(repo.ok()) << repo.error().message();
  Result<CommitInfo> info = ReadCommit(*repo, sha);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->sha, sha);
  EXPECT_EQ(info->author_name, "Bea Builder");
  EXPECT_EQ(info->author_email, "bea@example.com");
  EXPECT_EQ(info->message, "Fix the probe\n\nLonger text.\n");
  EXPECT_EQ(info->time, 1700000000);
  EXPECT_EQ(info->time_offset, 90);

  Result<CommitInfo> missing = ReadCommit(*repo, std::string(40, 'a'));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(ReadCommit(*repo, sha.substr(0, 7)).ok()) << "a full SHA is required";
}

}  // namespace
}  // namespace capstan::source
