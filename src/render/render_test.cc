#include "render/render.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace capstan::render {
namespace {
namespace fs = std::filesystem;

// "app/deployment.yaml Deployment web": where each object came from, in output order.
std::vector<std::string> Summary(const RenderResult& result) {
  std::vector<std::string> out;
  for (const Manifest& m : result.manifests) {
    out.push_back(m.source + " " + std::string(KindOf(m.object)) + " " +
                  std::string(NameOf(m.object)));
  }
  return out;
}

RenderRequest Directory(std::string path) {
  RenderRequest request;
  request.root = "testdata/directory";
  request.path = std::move(path);
  return request;
}

TEST(DetectSourceKindTest, PicksTheGeneratorFromTheFolderContents) {
  struct Case {
    std::string name;
    std::string path;
    SourceKind want;
  };
  std::vector<Case> cases = {
      {"kustomization.yaml means kustomize", "kustomize", SourceKind::kKustomize},
      {"a file named Kustomization means kustomize", "kustomization-capital",
       SourceKind::kKustomize},
      {"Chart.yaml means helm", "helm", SourceKind::kHelm},
      {"anything else is a directory of manifests", "plain", SourceKind::kDirectory},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto kind = DetectSourceKind("testdata/detect", c.path);
    ASSERT_TRUE(kind.ok()) << kind.error().message();
    EXPECT_EQ(*kind, c.want);
  }
  auto missing = DetectSourceKind("testdata/detect", "nowhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST(SourceKindNameTest, NamesEveryKind) {
  EXPECT_EQ(SourceKindName(SourceKind::kAuto), "auto");
  EXPECT_EQ(SourceKindName(SourceKind::kDirectory), "directory");
  EXPECT_EQ(SourceKindName(SourceKind::kKustomize), "kustomize");
  EXPECT_EQ(SourceKindName(SourceKind::kHelm), "helm");
}

TEST(RenderDirectoryTest, ReadsEveryManifestInArgoCdOrderAndFlattensLists) {
  auto result = Render(Directory("basic"));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->kind, SourceKind::kDirectory);
  std::vector<std::string> want = {
      "basic/app/deployment.yaml Deployment web",
      "basic/app/deployment.yaml Service web",
      "basic/app/settings.json ConfigMap web-settings",
      "basic/app.yaml ServiceAccount web",
      "basic/excluded/draft.yaml ConfigMap draft",
      "basic/lists.yml ConfigMap feature-flags",
      "basic/lists.yml Secret web-tls",
      "basic/lists.yml ConfigMap banner",
      "basic/namespace.yaml Namespace shop",
      "basic/nested/deeper/worker.yaml CronJob nightly-report",
  };
  EXPECT_EQ(Summary(*result), want);
  // Objects are kept as written.
  EXPECT_EQ(result->manifests[0].object.At({"spec", "replicas"})->as_int(), 2);
  EXPECT_EQ(result->manifests[2].object.StringAt({"data", "LOG_LEVEL"}), "info");
}

TEST(RenderDirectoryTest, RecurseIncludeAndExcludeSelectFiles) {
  struct Case {
    std::string name;
    bool recurse;
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    std::vector<std::string> want_sources;
  };
  std::vector<Case> cases = {
      {"without recursion only the top folder is read",
       false,
       {},
       {},
       {"basic/app.yaml", "basic/lists.yml", "basic/namespace.yaml"}},
      {"* does not cross folders",
       true,
       {"*.yaml"},
       {},
       {"basic/app.yaml", "basic/namespace.yaml"}},
      {"** crosses folders and also matches at the top",
       true,
       {"**/*.yaml"},
       {},
       {"basic/app/deployment.yaml", "basic/app.yaml", "basic/excluded/draft.yaml",
        "basic/namespace.yaml", "basic/nested/deeper/worker.yaml"}},
      {"braces give alternatives",
       true,
       {"{app/*,nested/**}"},
       {},
       {"basic/app/deployment.yaml", "basic/app/settings.json", "basic/nested/deeper/worker.yaml"}},
      {"exclude wins over include",
       true,
       {"**/*.{yaml,yml}"},
       {"excluded/**", "app/*"},
       {"basic/app.yaml", "basic/lists.yml", "basic/namespace.yaml",
        "basic/nested/deeper/worker.yaml"}},
      {"several include patterns add up",
       true,
       {"namespace.yaml", "*.json", "app/*.json"},
       {},
       {"basic/app/settings.json", "basic/namespace.yaml"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RenderRequest request = Directory("basic");
    request.directory.recurse = c.recurse;
    request.directory.include = c.include;
    request.directory.exclude = c.exclude;
    auto result = Render(request);
    ASSERT_TRUE(result.ok()) << result.error().message();
    std::vector<std::string> sources;
    for (const Manifest& m : result->manifests) {
      if (sources.empty() || sources.back() != m.source) sources.push_back(m.source);
    }
    EXPECT_EQ(sources, c.want_sources);
  }
}

TEST(RenderDirectoryTest, ErrorsNameTheFileThePlaceAndTheField) {
  struct Case {
    std::string name;
    std::string path;
    ErrorCode code;
    std::string want;
  };
  std::vector<Case> cases = {
      {"malformed YAML gives file, line and column", "malformed", ErrorCode::kInvalid,
       "render directory malformed: malformed/broken.yaml:7:1: did not find expected ',' or ']' "
       "while parsing a flow sequence"},
      {"an object without a kind names the document and the field", "no-kind", ErrorCode::kInvalid,
       "render directory no-kind: no-kind/pods.yaml:9: document 2 (web): "
       "kind: missing"},
      {"a bad list item names its index", "bad-list", ErrorCode::kInvalid,
       "render directory bad-list: bad-list/list.yaml:1: document 1: items[1]: metadata.name: "
       "missing"},
      {"a path leaving the root is refused", "../detect", ErrorCode::kInvalid,
       "render: ../detect: path leaves the repository root"},
      {"a missing folder is not found", "basic/nowhere", ErrorCode::kNotFound,
       "render: basic/nowhere: no such folder under "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = Render(Directory(c.path));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), c.code);
    EXPECT_EQ(result.error().message().substr(0, c.want.size()), c.want)
        << result.error().message();
  }
}

// Trees that cannot be committed (links, .git) are made in a temporary folder.
class RenderTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("capstan-render-test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "repo/app");
    fs::create_directories(base_ / "outside");
    Write("repo/app/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
    Write("outside/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n");
  }
  void TearDown() override { fs::remove_all(base_); }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((base_ / path).parent_path());
    std::ofstream(base_ / path) << text;
  }
  RenderRequest Request() {
    RenderRequest request;
    request.root = base_ / "repo";
    request.path = "app";
    return request;
  }
  fs::path base_;
};

TEST_F(RenderTreeTest, ALinkLeavingTheRootIsRefused) {
  fs::create_symlink(base_ / "outside/secret.yaml", base_ / "repo/app/secret.yaml");
  auto result = Render(Request());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(result.error().message(),
            "render directory app: app/secret.yaml: a symbolic link leads outside the "
            "repository root");
}

TEST_F(RenderTreeTest, ALinkInsideTheRootIsReadAndLinkedFoldersAreNotEntered) {
  Write("repo/shared/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
  fs::create_symlink("../shared/b.yaml", base_ / "repo/app/b.yaml");
  fs::create_directory_symlink("../shared", base_ / "repo/app/shared");
  fs::create_directory_symlink(base_ / "outside", base_ / "repo/app/outside");
  auto result = Render(Request());
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(Summary(*result),
            (std::vector<std::string>{"app/a.yaml ConfigMap a", "app/b.yaml ConfigMap b"}));
}

TEST_F(RenderTreeTest, GitFoldersAreSkipped) {
  Write("repo/app/.git/config.yaml", "not: a manifest\n");
  auto result = Render(Request());
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(Summary(*result), (std::vector<std::string>{"app/a.yaml ConfigMap a"}));
}

TEST_F(RenderTreeTest, JsonFilesMayHoldAnArrayOfObjects) {
  Write("repo/app/more.json",
        R"([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}}]}])");
  Write("repo/app/empty.json", "\n");
  auto result = Render(Request());
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(Summary(*result),
            (std::vector<std::string>{"app/a.yaml ConfigMap a", "app/more.json ConfigMap c",
                                      "app/more.json ConfigMap d"}));
}

TEST_F(RenderTreeTest, TheRootItselfCanBeRendered) {
  RenderRequest request = Request();
  request.path = ".";
  auto result = Render(request);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(Summary(*result), (std::vector<std::string>{"app/a.yaml ConfigMap a"}));
}

}  // namespace
}  // namespace capstan::render
