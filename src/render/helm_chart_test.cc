#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "render/internal/helm.h"

namespace capstan::render {
namespace {
namespace fs = std::filesystem;

RootedFs Root(const fs::path& path) {
  auto root = RootedFs::Open(path);
  EXPECT_TRUE(root.ok()) << root.error().message();
  return std::move(root).value();
}

TEST(PrepareChartTest, ALocalDependencyIsCopiedIntoAWorkspaceNotIntoTheRepository) {
  RootedFs root = Root("testdata");
  ReadTracker tracker;
  fs::path workspace;
  {
    auto chart = PrepareChart(root, root.root() / "charts/shop", &tracker);
    ASSERT_TRUE(chart.ok()) << chart.error().message();
    ASSERT_TRUE(chart->workspace.has_value());
    EXPECT_EQ(chart->chart, chart->workspace->path() / "charts/shop");
    EXPECT_TRUE(fs::is_regular_file(chart->chart / "templates/configmap.yaml"));
    EXPECT_TRUE(fs::is_regular_file(chart->chart / "charts/cache/templates/service.yaml"));
    EXPECT_FALSE(fs::exists("testdata/charts/shop/charts"));
    // helm names the aliased sub-chart's files by its alias.
    EXPECT_EQ(chart->sources.Map("shop/templates/configmap.yaml"),
              "charts/shop/templates/configmap.yaml");
    EXPECT_EQ(chart->sources.Map("shop/charts/sessions/templates/service.yaml"),
              "charts/cache/templates/service.yaml");
    // Both chart folders are inputs of the render.
    std::vector<std::string> trees;
    for (const Dependency& d : tracker.Dependencies()) {
      if (d.kind == DependencyKind::kTree) trees.push_back(root.Display(d.target));
    }
    EXPECT_EQ(trees, (std::vector<std::string>{"charts/cache", "charts/shop"}));
    workspace = chart->workspace->path();
  }
  EXPECT_FALSE(fs::exists(workspace)) << "the workspace is removed with the chart";
}

TEST(PrepareChartTest, AChartWithEverythingVendoredIsUsedInPlace) {
  RootedFs root = Root("testdata");
  auto chart = PrepareChart(root, root.root() / "charts/vendored", nullptr);
  ASSERT_TRUE(chart.ok()) << chart.error().message();
  EXPECT_FALSE(chart->workspace.has_value());
  EXPECT_EQ(chart->chart, root.root() / "charts/vendored");
}

TEST(PrepareChartTest, ProblemsAreReportedWithTheChartFileAndDependency) {
  struct Case {
    std::string name;
    std::string chart;
    std::string want;
  };
  std::vector<Case> cases = {
      {"a remote dependency is never downloaded", "charts/remote-dep",
       "charts/remote-dep/Chart.yaml: dependency \"postgresql\" (repository "
       "https://charts.bitnami.com/bitnami) is missing from charts/; capstan does not download "
       "charts: run `helm dependency build charts/remote-dep` and commit the charts/ folder"},
      {"a file:// dependency must stay in the root", "charts/escaping-dep",
       "charts/escaping-dep/Chart.yaml: dependency \"common\": ../../../../common: path leaves "
       "the repository root"},
      {"a folder without Chart.yaml is not a chart", "helm", "helm/Chart.yaml: missing"},
  };
  RootedFs root = Root("testdata");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto chart = PrepareChart(root, root.root() / c.chart, nullptr);
    ASSERT_FALSE(chart.ok());
    EXPECT_EQ(chart.error().message(), c.want);
  }
}

TEST(PrepareChartTest, ALinkInTheChartLeavingTheRootIsRefused) {
  fs::path base = fs::temp_directory_path() / ("capstan-chart-test-" + std::to_string(getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "repo/chart/templates");
  fs::create_directories(base / "outside");
  std::ofstream(base / "repo/chart/Chart.yaml") << "apiVersion: v2\nname: c\nversion: 1.0.0\n";
  std::ofstream(base / "outside/passwords.txt") << "hunter2\n";
  fs::create_symlink(base / "outside/passwords.txt", base / "repo/chart/templates/data.txt");
  RootedFs root = Root(base / "repo");
  auto chart = PrepareChart(root, root.root() / "chart", nullptr);
  ASSERT_FALSE(chart.ok());
  EXPECT_EQ(chart.error().message(),
            "chart/templates/data.txt: a symbolic link leads outside the repository root");
  fs::remove_all(base);
}

TEST(ParseHelmOutputTest, SplitsDocumentsAndKeepsTheirTemplatePaths) {
  auto text = ReadFileBounded("testdata/helm/template-output.yaml", 1 << 20);
  ASSERT_TRUE(text.ok());
  SourceMap sources{{{"shop/", "charts/shop/"}, {"shop/charts/sessions/", "charts/cache/"}}};
  auto manifests = ParseHelmOutput(*text, sources);
  ASSERT_TRUE(manifests.ok()) << manifests.error().message();
  std::vector<std::string> got;
  for (const Manifest& m : *manifests) {
    got.push_back(m.source + " " + std::string(KindOf(m.object)) + " " +
                  std::string(NameOf(m.object)));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "charts/cache/templates/service.yaml Service web-cache",
                     "charts/shop/templates/configmap.yaml ConfigMap web-settings",
                     "charts/shop/templates/jobs.yaml Job web-migrate",
                     "charts/shop/crds/coupon.yaml CustomResourceDefinition "
                     "coupons.shop.example.com",
                 }));
  EXPECT_EQ(manifests->at(2).object.StringAt({"metadata", "annotations", "helm.sh/hook"}),
            "pre-install,pre-upgrade");
}

TEST(ParseHelmOutputTest, AnInvalidObjectNamesItsTemplate) {
  auto text = ReadFileBounded("testdata/helm/missing-kind-output.yaml", 1 << 20);
  ASSERT_TRUE(text.ok());
  auto manifests = ParseHelmOutput(*text, SourceMap{{{"shop/", "charts/shop/"}}});
  ASSERT_FALSE(manifests.ok());
  EXPECT_EQ(manifests.error().message(),
            "charts/shop/templates/broken.yaml:2: document 1 (web): kind: missing");
}

TEST(SourceMapTest, TheLongestPrefixWinsAndUnknownPathsPassThrough) {
  SourceMap sources{{{"shop/", "apps/shop/"}, {"shop/charts/db/", "libs/db/"}}};
  EXPECT_EQ(sources.Map("shop/charts/db/templates/a.yaml"), "libs/db/templates/a.yaml");
  EXPECT_EQ(sources.Map("shop/templates/a.yaml"), "apps/shop/templates/a.yaml");
  EXPECT_EQ(sources.Map("other/templates/a.yaml"), "other/templates/a.yaml");
  EXPECT_EQ((SourceMap{{{"shop/", ""}}}).Map("shop/templates/a.yaml"), "templates/a.yaml");
}

}  // namespace
}  // namespace capstan::render
