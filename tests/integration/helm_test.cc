// capstan's Helm generator against the real helm: the same objects as `helm template`
// after `helm dependency build`, values and parameters taking effect, chart errors
// coming back as one clear message. helm must be on PATH (`source scripts/env.sh`
// after scripts/install-deps.sh); without it every test here fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/process.h"
#include "core/yaml.h"
#include "render/cache.h"
#include "render/render.h"

namespace capstan::render {
namespace {
namespace fs = std::filesystem;

const fs::path kRoot = fs::path(CAPSTAN_SOURCE_DIR) / "tests/integration/testdata";
constexpr char kChart[] = "charts/storefront";

class HelmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ProcessOptions version;
    version.argv = {"helm", "version", "--short"};
    auto run = RunProcess(version);
    helm_missing_ = !run.ok() || !run->success();
  }
  void SetUp() override {
    ASSERT_FALSE(helm_missing_) << "helm is not on PATH: run scripts/install-deps.sh, then "
                                   "`source scripts/env.sh`, and run the tests again";
  }

  static RenderRequest Request() {
    RenderRequest request;
    request.root = kRoot;
    request.path = kChart;
    request.helm.release_name = "shop";
    request.helm.namespace_ = "shop";
    return request;
  }

  // What helm itself prints for the chart: a copy with its file:// dependency built by
  // `helm dependency build`, then `helm template` with `args`.
  static std::vector<YamlDocument> Oracle(const std::vector<std::string>& args) {
    fs::path work = fs::temp_directory_path() / ("capstan-helm-oracle-" + std::to_string(getpid()));
    fs::remove_all(work);
    fs::create_directories(work / "charts");
    fs::copy(kRoot / "charts", work / "charts", fs::copy_options::recursive);
    ProcessOptions build;
    build.argv = {"helm", "dependency", "build", (work / kChart).string()};
    auto built = RunProcess(build);
    EXPECT_TRUE(built.ok() && built->success())
        << (built.ok() ? built->stderr_data : built.error().message());
    ProcessOptions tmpl;
    tmpl.argv = {"helm",        "template", "shop",          (work / kChart).string(),
                 "--namespace", "shop",     "--include-crds"};
    for (const std::string& arg : args) {
      tmpl.argv.push_back(arg.starts_with("@") ? (work / kChart / arg.substr(1)).string() : arg);
    }
    auto run = RunProcess(tmpl);
    fs::remove_all(work);
    EXPECT_TRUE(run.ok() && run->success())
        << (run.ok() ? run->stderr_data : run.error().message());
    if (!run.ok()) return {};
    auto documents = ParseYamlStream(run->stdout_data, "helm template");
    EXPECT_TRUE(documents.ok());
    std::vector<YamlDocument> out;
    for (YamlDocument& d : *documents) {
      if (!d.value.is_null()) out.push_back(std::move(d));
    }
    return out;
  }

  static const Value* Find(const RenderResult& result, std::string_view kind,
                           std::string_view name) {
    for (const Manifest& m : result.manifests) {
      if (KindOf(m.object) == kind && NameOf(m.object) == name) return &m.object;
    }
    return nullptr;
  }

  static bool helm_missing_;
};
bool HelmTest::helm_missing_ = false;

TEST_F(HelmTest, RendersWhatHelmTemplateRendersWithTheDependencyBuilt) {
  struct Case {
    std::string name;
    std::vector<std::string> value_files;
    std::vector<HelmParameter> parameters;
    std::vector<std::string> helm_args;  // "@file" is a file in the chart copy
  };
  std::vector<Case> cases = {
      {"default values", {}, {}, {}},
      {"a production values file", {"values-prod.yaml"}, {}, {"--values", "@values-prod.yaml"}},
      {"parameters after values",
       {"values-prod.yaml"},
       {{"replicaCount", "7"}, {"cache.enabled", "false"}, {"config.build", "0042", true}},
       {"--values", "@values-prod.yaml", "--set", "replicaCount=7", "--set", "cache.enabled=false",
        "--set-string", "config.build=0042"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RenderRequest request = Request();
    request.helm.value_files = c.value_files;
    request.helm.parameters = c.parameters;
    auto ours = Render(request);
    ASSERT_TRUE(ours.ok()) << ours.error().message();
    EXPECT_EQ(ours->kind, SourceKind::kHelm);
    std::vector<YamlDocument> want = Oracle(c.helm_args);
    ASSERT_EQ(ours->manifests.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(ours->manifests[i].source);
      EXPECT_EQ(EmitYaml(ours->manifests[i].object), EmitYaml(want[i].value));
    }
  }
}

TEST_F(HelmTest, ValuesParametersAndNamespaceTakeEffect) {
  RenderRequest request = Request();
  request.helm.namespace_ = "shop-prod";
  request.helm.release_name = "web";
  request.helm.value_files = {"values-prod.yaml"};
  request.helm.values = "config:\n  currency: CHF\n";
  request.helm.parameters = {{"replicaCount", "6"}, {"config.build", "0042", true}};
  auto result = Render(request);
  ASSERT_TRUE(result.ok()) << result.error().message();

  const Value* deployment = Find(*result, "Deployment", "web-storefront");
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(deployment->At({"spec", "replicas"})->as_int(), 6) << "--set wins over files";
  EXPECT_EQ(NamespaceOf(*deployment), "shop-prod");
  const Value* config = Find(*result, "ConfigMap", "web-storefront-config");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->StringAt({"data", "LOG_LEVEL"}), "warn") << "from values-prod.yaml";
  EXPECT_EQ(config->StringAt({"data", "CURRENCY"}), "CHF") << "from inline values";
  EXPECT_EQ(config->StringAt({"data", "BUILD"}), "0042") << "--set-string keeps the zeros";
  EXPECT_NE(Find(*result, "Ingress", "web-storefront"), nullptr) << "enabled in values-prod";
  const Value* cache = Find(*result, "Deployment", "web-cache");
  ASSERT_NE(cache, nullptr) << "the file:// sub-chart is rendered";
  EXPECT_EQ(cache->At({"spec", "template", "spec", "containers"})
                ->as_array()[0]
                .At({"args"})
                ->as_array()[1]
                .as_string(),
            "256mb")
      << "the parent's values reach the sub-chart";
}

TEST_F(HelmTest, SourcesHooksAndCrdsAreKept) {
  auto result = Render(Request());
  ASSERT_TRUE(result.ok()) << result.error().message();
  std::vector<std::string> sources;
  for (const Manifest& m : result->manifests) {
    sources.push_back(m.source + " " + std::string(KindOf(m.object)));
  }
  EXPECT_EQ(sources, (std::vector<std::string>{
                         "charts/storefront/crds/coupon.yaml CustomResourceDefinition",
                         "charts/storefront/templates/configmap.yaml ConfigMap",
                         "charts/cache/templates/service.yaml Service",
                         "charts/storefront/templates/service.yaml Service",
                         "charts/cache/templates/deployment.yaml Deployment",
                         "charts/storefront/templates/deployment.yaml Deployment",
                         "charts/storefront/templates/migrate-job.yaml Job",
                     }));
  const Value* job = Find(*result, "Job", "shop-storefront-migrate");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->StringAt({"metadata", "annotations", "helm.sh/hook"}), "pre-install,pre-upgrade");
  EXPECT_FALSE(fs::exists(kRoot / kChart / "charts")) << "the repository is never written to";
}

TEST_F(HelmTest, ErrorsAreOneClearSentence) {
  struct Case {
    std::string name;
    std::function<void(RenderRequest&)> change;
    ErrorCode code;
    std::string want;
  };
  std::vector<Case> cases = {
      {"a failing `required` names the template and the message",
       [](RenderRequest& r) {
         r.helm.parameters = {{"database.host", "null"}};
       },
       ErrorCode::kInvalid,
       "render helm charts/storefront: helm template exited with status 1: execution error at "
       "(storefront/templates/deployment.yaml:36:24): database.host is required: the storefront "
       "cannot start without its database"},
      {"a values file outside the root is refused",
       [](RenderRequest& r) { r.helm.value_files = {"../../../helm_test.cc"}; },
       ErrorCode::kInvalid,
       "render helm charts/storefront: values file: ../../../helm_test.cc: path leaves the "
       "repository root"},
      {"a missing values file is named",
       [](RenderRequest& r) { r.helm.value_files = {"values-staging.yaml"}; }, ErrorCode::kNotFound,
       "render helm charts/storefront: values file charts/storefront/values-staging.yaml: not "
       "found"},
      {"a missing helm says how to install it",
       [](RenderRequest& r) { r.helm.helm_binary = "capstan-no-such-helm"; },
       ErrorCode::kUnavailable,
       "render helm charts/storefront: program \"capstan-no-such-helm\" not found on PATH; "
       "install helm 3 (scripts/install-deps.sh does, or see "
       "https://helm.sh/docs/intro/install/) or name the binary with --helm PATH"},
      {"broken inline values are helm's error",
       [](RenderRequest& r) { r.helm.values = "replicaCount: [\n"; }, ErrorCode::kInvalid,
       "render helm charts/storefront: helm template exited with status 1: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RenderRequest request = Request();
    c.change(request);
    auto result = Render(request);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), c.code);
    EXPECT_EQ(result.error().message().substr(0, c.want.size()), c.want)
        << result.error().message();
    EXPECT_EQ(result.error().message().find('\n'), std::string::npos);
  }
}

TEST_F(HelmTest, TheCacheRunsHelmOncePerStateOfTheChart) {
  fs::path work = fs::temp_directory_path() / ("capstan-helm-cache-" + std::to_string(getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  fs::copy(kRoot / "charts", work / "charts", fs::copy_options::recursive);
  RenderRequest request = Request();
  request.root = work;
  RenderCache cache;
  ASSERT_TRUE(cache.Render(request).ok());
  ASSERT_TRUE(cache.Render(request).ok());
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().hits, 1u);

  // A change in the sub-chart, outside the rendered folder, is an input too.
  std::ofstream(work / "charts/cache/values.yaml", std::ios::app) << "# tuned for sessions\n";
  auto changed = cache.Render(request);
  ASSERT_TRUE(changed.ok()) << changed.error().message();
  EXPECT_EQ(cache.stats().misses, 2u);
  fs::remove_all(work);
}

}  // namespace
}  // namespace capstan::render
