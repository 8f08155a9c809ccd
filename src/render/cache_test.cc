#include "render/cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace capstan::render {
namespace {
namespace fs = std::filesystem;

std::string ConfigMap(const std::string& name, const std::string& value = "1") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  v: \"" +
         value + "\"\n";
}

class RenderCacheTest : public ::testing::Test {
 public:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("capstan-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    Write("app/a.yaml", ConfigMap("a"));
    Write("app/sub/b.yaml", ConfigMap("b"));
    Write("other/c.yaml", ConfigMap("c"));
  }
  void TearDown() override { fs::remove_all(base_); }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories((base_ / path).parent_path());
    std::ofstream(base_ / path) << text;
  }
  RenderRequest Request(std::string path = "app") {
    RenderRequest request;
    request.root = base_;
    request.path = std::move(path);
    return request;
  }
  static std::vector<std::string> Names(const Result<RenderResult>& result) {
    std::vector<std::string> names;
    if (!result.ok()) return {result.error().message()};
    for (const Manifest& m : result->manifests) {
      names.push_back(std::string(NameOf(m.object)) + "=" +
                      std::string(m.object.StringAt({"data", "v"})));
    }
    return names;
  }
  fs::path base_;
};

TEST_F(RenderCacheTest, AnUnchangedTreeIsRenderedOnce) {
  RenderCache cache;
  auto first = cache.Render(Request());
  auto second = cache.Render(Request());
  EXPECT_EQ(Names(first), (std::vector<std::string>{"a=1", "b=1"}));
  EXPECT_EQ(Names(second), Names(first));
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST_F(RenderCacheTest, AnyChangeToAnInputRendersAgain) {
  struct Case {
    std::string name;
    std::function<void(RenderCacheTest&)> change;
    std::vector<std::string> want;
  };
  std::vector<Case> cases = {
      {"a file's content",
       [](auto& t) { t.Write("app/a.yaml", ConfigMap("a", "2")); },
       {"a=2", "b=1"}},
      {"a new file",
       [](auto& t) { t.Write("app/sub/c.yaml", ConfigMap("c")); },
       {"a=1", "b=1", "c=1"}},
      {"a removed file", [](auto& t) { fs::remove(t.base_ / "app/sub/b.yaml"); }, {"a=1"}},
      {"a new non-manifest file changes nothing",
       [](auto& t) { t.Write("app/notes.txt", "hello"); },
       {"a=1", "b=1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SetUp();
    RenderCache cache;
    ASSERT_EQ(Names(cache.Render(Request())), (std::vector<std::string>{"a=1", "b=1"}));
    c.change(*this);
    EXPECT_EQ(Names(cache.Render(Request())), c.want);
    EXPECT_EQ(cache.stats().misses, 2u);
    EXPECT_EQ(Names(cache.Render(Request())), c.want);
    EXPECT_EQ(cache.stats().hits, 1u) << "the new state is cached in turn";
  }
}

TEST_F(RenderCacheTest, FilesOutsideTheRenderedFolderDoNotMatter) {
  RenderCache cache;
  ASSERT_TRUE(cache.Render(Request()).ok());
  Write("other/c.yaml", ConfigMap("c", "changed"));
  ASSERT_TRUE(cache.Render(Request()).ok());
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST_F(RenderCacheTest, DifferentOptionsAreDifferentEntries) {
  RenderCache cache;
  RenderRequest flat = Request();
  flat.directory.recurse = false;
  EXPECT_EQ(Names(cache.Render(Request())), (std::vector<std::string>{"a=1", "b=1"}));
  EXPECT_EQ(Names(cache.Render(flat)), (std::vector<std::string>{"a=1"}));
  EXPECT_EQ(Names(cache.Render(Request("other"))), (std::vector<std::string>{"c=1"}));
  EXPECT_EQ(cache.stats().misses, 3u);
  EXPECT_EQ(cache.stats().hits, 0u);
  EXPECT_NE(RenderRequestKey(Request()), RenderRequestKey(flat));
  EXPECT_EQ(RenderRequestKey(Request()), RenderRequestKey(Request()));
}

TEST_F(RenderCacheTest, ARevertedChangeIsFoundAgain) {
  RenderCache cache;
  ASSERT_TRUE(cache.Render(Request()).ok());
  Write("app/a.yaml", ConfigMap("a", "2"));
  ASSERT_TRUE(cache.Render(Request()).ok());
  Write("app/a.yaml", ConfigMap("a"));
  EXPECT_EQ(Names(cache.Render(Request())), (std::vector<std::string>{"a=1", "b=1"}));
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.stats().hits, 1u);
}

TEST_F(RenderCacheTest, TheLeastRecentlyUsedResultIsEvicted) {
  RenderCache cache(2);
  ASSERT_TRUE(cache.Render(Request("app")).ok());
  ASSERT_TRUE(cache.Render(Request("other")).ok());
  ASSERT_TRUE(cache.Render(Request("app")).ok());      // hit: "app" is now the most recent
  ASSERT_TRUE(cache.Render(Request("app/sub")).ok());  // evicts "other"
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.stats().entries, 2u);
  ASSERT_TRUE(cache.Render(Request("app")).ok());
  EXPECT_EQ(cache.stats().hits, 2u);
  ASSERT_TRUE(cache.Render(Request("other")).ok());
  EXPECT_EQ(cache.stats().misses, 4u);
}

TEST_F(RenderCacheTest, ErrorsAreNotCached) {
  RenderCache cache;
  Write("app/bad.yaml", "kind: [\n");
  EXPECT_FALSE(cache.Render(Request()).ok());
  EXPECT_FALSE(cache.Render(Request()).ok());
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.stats().entries, 0u);
  fs::remove(base_ / "app/bad.yaml");
  EXPECT_TRUE(cache.Render(Request()).ok());
}

TEST_F(RenderCacheTest, ConcurrentRequestsForOneTreeRenderItOnce) {
  for (int i = 0; i < 200; ++i) Write("app/many/cm" + std::to_string(i) + ".yaml", ConfigMap("x"));
  RenderCache cache;
  std::vector<std::thread> threads;
  std::vector<size_t> counts(8);
  for (size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t] {
      auto result = cache.Render(Request());
      counts[t] = result.ok() ? result->manifests.size() : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t count : counts) EXPECT_EQ(count, 202u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, counts.size() - 1);
}

TEST_F(RenderCacheTest, AKustomizationDependsOnItsBasesOutsideItsFolder) {
  Write("base/kustomization.yaml", "resources:\n  - cm.yaml\n");
  Write("base/cm.yaml", ConfigMap("base"));
  Write("overlay/kustomization.yaml", "namespace: dev\nresources:\n  - ../base\n");
  RenderCache cache;
  EXPECT_EQ(Names(cache.Render(Request("overlay"))), (std::vector<std::string>{"base=1"}));
  EXPECT_EQ(Names(cache.Render(Request("overlay"))), (std::vector<std::string>{"base=1"}));
  EXPECT_EQ(cache.stats().hits, 1u);
  Write("base/cm.yaml", ConfigMap("base", "2"));
  EXPECT_EQ(Names(cache.Render(Request("overlay"))), (std::vector<std::string>{"base=2"}));
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST_F(RenderCacheTest, ClearDropsResultsButKeepsCounters) {
  RenderCache cache;
  ASSERT_TRUE(cache.Render(Request()).ok());
  cache.Clear();
  EXPECT_EQ(cache.stats().entries, 0u);
  ASSERT_TRUE(cache.Render(Request()).ok());
  EXPECT_EQ(cache.stats().misses, 2u);
}

}  // namespace
}  // namespace capstan::render
