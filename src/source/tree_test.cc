#include <gtest/gtest.h>

#include "core/fs.h"
#include "source/internal/testing.h"
#include "source/source.h"

namespace capstan::source {
namespace {

namespace fs = std::filesystem;
using testing::GitRepo;
using testing::TempDir;

class TreeTest : public ::testing::Test {
 protected:
  // Commits the files of a small app, plus whatever `extra` adds, and fetches them.
  std::string CommitAndFetch(const std::function<void(GitRepo&)>& extra = {}) {
    GitRepo origin(tmp_.path() / "origin");
    origin.Write("README.md", "top\n");
    origin.Write("apps/web/deploy.yaml", "kind: Deployment\n");
    origin.Write("apps/web/base/svc.yaml", "kind: Service\n");
    origin.Write("apps/web/run.sh", "#!/bin/sh\n");
    fs::permissions(origin.dir() / "apps/web/run.sh", fs::perms::owner_exec, fs::perm_options::add);
    origin.Symlink("apps/web/svc.yaml", "base/svc.yaml");
    if (extra) extra(origin);
    std::string sha = origin.Commit("app");
    RepositoryCache cache(tmp_.path() / "cache");
    Result<Repository> repo = cache.Fetch(origin.url());
    EXPECT_TRUE(repo.ok()) << repo.error().message();
    if (repo.ok()) repo_ = *repo;
    return sha;
  }

  fs::path EmptyDir(const std::string& name) {
    fs::path dir = tmp_.path() / name;
    fs::create_directories(dir);
    return dir;
  }

  TempDir tmp_;
  Repository repo_;
};

TEST_F(TreeTest, ReadTreeGivesTheFilesUnderAPath) {
  std::string sha = CommitAndFetch();
  using Files = std::map<std::string, std::string>;
  const Files web = {{"base/svc.yaml", "kind: Service\n"},
                     {"deploy.yaml", "kind: Deployment\n"},
                     {"run.sh", "#!/bin/sh\n"},
                     {"svc.yaml", "base/svc.yaml"}};
  const std::pair<const char*, Files> cases[] = {
      {"apps/web", web},
      {"./apps/web/", web},
      {"apps/web/base", {{"svc.yaml", "kind: Service\n"}}},
  };
  for (const auto& [subpath, want] : cases) {
    SCOPED_TRACE(subpath);
    Result<Files> files = ReadTree(repo_, sha, subpath);
    ASSERT_TRUE(files.ok()) << files.error().message();
    EXPECT_EQ(*files, want);
  }
  Result<Files> all = ReadTree(repo_, sha, "");
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_EQ(all->size(), 5u);
  EXPECT_EQ(all->at("README.md"), "top\n");
}

TEST_F(TreeTest, ReadTreeRefusesBadPathsAndLimits) {
  std::string sha = CommitAndFetch();
  struct Case {
    const char* name;
    const char* subpath;
    TreeLimits limits;
    ErrorCode code;
    const char* message_end;
  };
  const Case cases[] = {
      {"missing folder", "apps/db", {}, ErrorCode::kNotFound, "no such folder in the commit"},
      {"a file", "README.md", {}, ErrorCode::kInvalid, "not a folder"},
      {"dot-dot", "apps/../..", {}, ErrorCode::kInvalid, "\"..\" is not allowed"},
      {"too many files", "apps/web", {1 << 20, 3}, ErrorCode::kInvalid, "more than 3 files"},
      {"too many bytes", "", {20, 100}, ErrorCode::kInvalid, "larger than 20 bytes in total"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::map<std::string, std::string>> files = ReadTree(repo_, sha, c.subpath, c.limits);
    ASSERT_FALSE(files.ok());
    EXPECT_EQ(files.error().code(), c.code);
    const std::string& message = files.error().message();
    EXPECT_EQ(message.rfind("git " + repo_.url + ": revision " + sha + ": ", 0), 0u) << message;
    EXPECT_TRUE(message.ends_with(c.message_end)) << message;
  }
}

TEST_F(TreeTest, SymlinksLeavingTheTreeAreRefused) {
  const std::pair<const char*, std::function<void(GitRepo&)>> cases[] = {
      {"up and out", [](GitRepo& r) { r.Symlink("apps/web/passwd", "../../../etc/passwd"); }},
      {"absolute", [](GitRepo& r) { r.Symlink("apps/web/abs", "/etc/passwd"); }},
      {"out of the subpath only", [](GitRepo& r) { r.Symlink("apps/web/up", "../../README.md"); }},
  };
  for (const auto& [name, add_link] : cases) {
    SCOPED_TRACE(name);
    std::error_code ignored;
    fs::remove_all(tmp_.path() / "origin", ignored);
    fs::remove_all(tmp_.path() / "cache", ignored);
    std::string sha = CommitAndFetch(add_link);
    Result<std::map<std::string, std::string>> files = ReadTree(repo_, sha, "apps/web");
    ASSERT_FALSE(files.ok());
    EXPECT_NE(files.error().message().find("leads outside the tree"), std::string::npos)
        << files.error().message();
    fs::path dir = EmptyDir(std::string("out-") + name);
    Status written = MaterializeTree(repo_, sha, "apps/web", dir);
    ASSERT_FALSE(written.ok());
    EXPECT_TRUE(fs::is_empty(dir)) << "refused before writing anything";
  }
}

TEST_F(TreeTest, MaterializeWritesFilesModesAndInsideLinks) {
  std::string sha = CommitAndFetch();
  fs::path dir = EmptyDir("render");
  Status written = MaterializeTree(repo_, sha, "apps/web", dir);
  ASSERT_TRUE(written.ok()) << written.error().message();
  EXPECT_EQ(*ReadFileBounded(dir / "deploy.yaml", 1024), "kind: Deployment\n");
  EXPECT_EQ(*ReadFileBounded(dir / "base/svc.yaml", 1024), "kind: Service\n");
  EXPECT_TRUE(fs::is_symlink(dir / "svc.yaml"));
  EXPECT_EQ(*ReadFileBounded(dir / "svc.yaml", 1024), "kind: Service\n");
  EXPECT_NE(fs::status(dir / "run.sh").permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(fs::status(dir / "deploy.yaml").permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_FALSE(fs::exists(dir / "README.md"));

  // The folder works with RootedFs, as render uses it.
  Result<RootedFs> rooted = RootedFs::Open(dir);
  ASSERT_TRUE(rooted.ok()) << rooted.error().message();
  EXPECT_TRUE(rooted->Resolve("", "svc.yaml").ok());
}

TEST_F(TreeTest, MaterializeRefusesANonEmptyFolder) {
  std::string sha = CommitAndFetch();
  fs::path dir = EmptyDir("busy");
  std::ofstream(dir / "keep") << "x";
  Status written = MaterializeTree(repo_, sha, "", dir);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message().find("must be an existing empty folder"), std::string::npos);
}

TEST_F(TreeTest, MaterializeRefusesALinkThatEscapesThroughAnotherLink) {
  // Each link looks harmless on its own; together d/l2 resolves to the folder's parent.
  std::string sha = CommitAndFetch([](GitRepo& r) {
    r.Symlink("l1", ".");
    r.Symlink("d/l2", "../l1/..");
  });
  fs::path dir = EmptyDir("chained");
  Status written = MaterializeTree(repo_, sha, "", dir);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().message().find("path \"d/l2\": symbolic link to \"../l1/..\" leads "
                                           "outside the tree"),
            std::string::npos)
      << written.error().message();
}

}  // namespace
}  // namespace capstan::source
