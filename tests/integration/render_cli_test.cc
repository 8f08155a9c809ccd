// `capstan render` as a user runs it: the built binary on fixture folders, checking
// output formats, exit codes and the one-line errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/json.h"
#include "core/process.h"
#include "core/yaml.h"

namespace capstan {
namespace {
namespace fs = std::filesystem;

const fs::path kSource = CAPSTAN_SOURCE_DIR;
const std::string kDirectory = (kSource / "src/render/testdata/directory").string();
const std::string kChart = (kSource / "tests/integration/testdata/charts/storefront").string();

ProcessResult Capstan(std::vector<std::string> args) {
  ProcessOptions options;
  options.argv = {CAPSTAN_BINARY, "render"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  auto run = RunProcess(options);
  EXPECT_TRUE(run.ok()) << run.error().message();
  return run.ok() ? *run : ProcessResult{};
}

// "Kind name" of each object in a YAML stream.
std::vector<std::string> Objects(const std::string& yaml) {
  auto documents = ParseYamlStream(yaml, "stdout");
  EXPECT_TRUE(documents.ok()) << documents.error().message();
  std::vector<std::string> out;
  if (!documents.ok()) return out;
  for (const YamlDocument& d : *documents) {
    out.push_back(std::string(d.value.StringAt({"kind"})) + " " +
                  std::string(d.value.StringAt({"metadata", "name"})));
  }
  return out;
}

TEST(RenderCliTest, PrintsAYamlStreamInRenderOrder) {
  ProcessResult run = Capstan({kDirectory + "/basic"});
  EXPECT_EQ(run.exit_code, 0) << run.stderr_data;
  EXPECT_EQ(run.stderr_data, "");
  EXPECT_EQ(Objects(run.stdout_data),
            (std::vector<std::string>{
                "Deployment web", "Service web", "ConfigMap web-settings", "ServiceAccount web",
                "ConfigMap draft", "ConfigMap feature-flags", "Secret web-tls", "ConfigMap banner",
                "Namespace shop", "CronJob nightly-report"}));
  EXPECT_NE(run.stdout_data.find("\n---\n"), std::string::npos);
}

TEST(RenderCliTest, PrintsJsonAsAList) {
  ProcessResult run = Capstan({kDirectory + "/basic", "-o", "json", "--no-recurse"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  auto list = ParseJson(run.stdout_data, "stdout");
  ASSERT_TRUE(list.ok()) << list.error().message();
  EXPECT_EQ(list->StringAt({"apiVersion"}), "v1");
  EXPECT_EQ(list->StringAt({"kind"}), "List");
  ASSERT_TRUE(list->Find("items")->is_array());
  EXPECT_EQ(list->Find("items")->size(), 5u);
  EXPECT_EQ(list->Find("items")->as_array()[0].StringAt({"kind"}), "ServiceAccount");
}

TEST(RenderCliTest, DirectoryFlagsSelectFiles) {
  ProcessResult run = Capstan({kDirectory + "/basic", "--include", "**/*.yaml", "--exclude",
                               "excluded/**", "--exclude", "app/*"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  EXPECT_EQ(
      Objects(run.stdout_data),
      (std::vector<std::string>{"ServiceAccount web", "Namespace shop", "CronJob nightly-report"}));
}

TEST(RenderCliTest, HelmFlagsReachHelm) {
  ProcessResult run =
      Capstan({kChart, "-n", "shop-prod", "--release-name", "web", "-f",
               kChart + "/values-prod.yaml", "--set", "replicaCount=9", "--set-string",
               "config.build=007", "--set", "cache.enabled=false", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  auto list = ParseJson(run.stdout_data, "stdout");
  ASSERT_TRUE(list.ok()) << list.error().message();
  bool saw_deployment = false;
  for (const Value& item : list->Find("items")->as_array()) {
    EXPECT_NE(item.StringAt({"metadata", "name"}), "web-cache") << "cache.enabled=false";
    if (item.StringAt({"kind"}) == "Deployment") {
      saw_deployment = true;
      EXPECT_EQ(item.StringAt({"metadata", "name"}), "web-storefront");
      EXPECT_EQ(item.StringAt({"metadata", "namespace"}), "shop-prod");
      EXPECT_EQ(item.At({"spec", "replicas"})->as_int(), 9);
    }
    if (item.StringAt({"kind"}) == "ConfigMap") {
      EXPECT_EQ(item.StringAt({"data", "BUILD"}), "007");
      EXPECT_EQ(item.StringAt({"data", "LOG_LEVEL"}), "warn");
    }
  }
  EXPECT_TRUE(saw_deployment);
}

// helm applies every --set before every --set-string, whatever the order given.
TEST(RenderCliTest, SetStringIsAppliedAfterSetAsHelmDoes) {
  ProcessResult run =
      Capstan({kChart, "--set-string", "replicaCount=3", "--set", "replicaCount=4", "-o", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
  auto list = ParseJson(run.stdout_data, "stdout");
  ASSERT_TRUE(list.ok());
  bool saw_deployment = false;
  for (const Value& item : list->Find("items")->as_array()) {
    if (item.StringAt({"kind"}) == "Deployment" &&
        item.StringAt({"metadata", "name"}) == "storefront") {
      ASSERT_NE(item.At({"spec", "replicas"}), nullptr);
      EXPECT_EQ(item.At({"spec", "replicas"})->as_int(), 3);
      saw_deployment = true;
    }
  }
  EXPECT_TRUE(saw_deployment);
}

TEST(RenderCliTest, ErrorsAreOneLineOnStderrWithExitStatus2) {
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string want_prefix;
  };
  std::vector<Case> cases = {
      {"a missing folder", {kDirectory + "/nowhere"}, "capstan render: "},
      {"malformed YAML names file, line and column",
       {kDirectory + "/malformed", "--root", kDirectory},
       "capstan render: render directory malformed: malformed/broken.yaml:7:1: "},
      {"an object without a kind names the field",
       {kDirectory + "/no-kind", "--root", kDirectory},
       "capstan render: render directory no-kind: no-kind/pods.yaml:9: document 2 (web): kind: "
       "missing"},
      {"a chart error from helm",
       {kChart, "--set", "database.host=null"},
       "capstan render: render helm tests/integration/testdata/charts/storefront: helm template "
       "exited with status 1: execution error at (storefront/templates/deployment.yaml:36:24): "
       "database.host is required"},
      {"a --set without =",
       {kChart, "--set", "replicaCount"},
       "capstan render: --set replicaCount: expected NAME=VALUE"},
      {"a local dependency outside --root",
       {kChart, "--root", kChart},
       "capstan render: render helm .: Chart.yaml: dependency \"cache\": ../cache: path leaves "
       "the repository root"},
      {"PATH outside --root", {kChart, "--root", kDirectory}, "capstan render: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ProcessResult run = Capstan(c.args);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.stdout_data, "");
    EXPECT_EQ(run.stderr_data.substr(0, c.want_prefix.size()), c.want_prefix) << run.stderr_data;
    EXPECT_EQ(std::count(run.stderr_data.begin(), run.stderr_data.end(), '\n'), 1)
        << run.stderr_data;
  }
}

TEST(RenderCliTest, UsageErrorsExitWith2) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {}, {kDirectory, "-o", "xml"}, {kDirectory, "--kind", "jsonnet"}, {"--bogus"}}) {
    SCOPED_TRACE(args.empty() ? "no PATH" : args.back());
    ProcessResult run = Capstan(args);
    EXPECT_EQ(run.exit_code, 2) << run.stdout_data << run.stderr_data;
  }
}

TEST(RenderCliTest, HelpDescribesTheFlags) {
  ProcessResult run = Capstan({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (std::string flag : {"--output", "--kind", "--root", "--no-recurse", "--include", "--exclude",
                           "--release-name", "--namespace", "--values", "--set", "--set-string",
                           "--helm", "--kustomize-fallback", "Examples:"}) {
    EXPECT_NE(run.stdout_data.find(flag), std::string::npos) << flag;
  }
}

TEST(RenderCliTest, TheRootDefaultsToTheEnclosingGitRepository) {
  fs::path repo = fs::temp_directory_path() / ("capstan-cli-git-" + std::to_string(getpid()));
  fs::remove_all(repo);
  fs::create_directories(repo / ".git");
  fs::create_directories(repo / "apps/web");
  fs::create_directories(repo / "shared");
  std::ofstream(repo / "shared/cm.yaml") << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                            "  name: shared\n";
  fs::create_symlink("../../shared/cm.yaml", repo / "apps/web/cm.yaml");
  // Inside the repository the link is fine; with the folder as root it leaves the root.
  ProcessResult inside = Capstan({(repo / "apps/web").string()});
  EXPECT_EQ(inside.exit_code, 0) << inside.stderr_data;
  EXPECT_EQ(Objects(inside.stdout_data), (std::vector<std::string>{"ConfigMap shared"}));
  ProcessResult narrow =
      Capstan({(repo / "apps/web").string(), "--root", (repo / "apps/web").string()});
  EXPECT_EQ(narrow.exit_code, 2);
  EXPECT_EQ(narrow.stderr_data,
            "capstan render: render directory .: cm.yaml: a symbolic link leads outside the "
            "repository root\n");
  fs::remove_all(repo);
}

// The demo repository (examples/demo) renders, and to what the real tools print.
TEST(RenderCliTest, TheDemoRendersLikeTheRealTools) {
  const std::string demo = (kSource / "examples/demo/apps").string();
  struct Case {
    std::string name;
    std::vector<std::string> capstan_args;
    std::vector<std::string> oracle;  // empty: no oracle, just a clean render
    size_t want_objects;
  };
  std::vector<Case> cases = {
      {"web dev overlay",
       {demo + "/web/overlays/dev"},
       {"kustomize", "build", demo + "/web/overlays/dev"},
       4},
      {"web prod overlay",
       {demo + "/web/overlays/prod"},
       {"kustomize", "build", demo + "/web/overlays/prod"},
       5},
      {"api chart with prod values",
       {demo + "/api", "--release-name", "api", "-n", "demo-prod", "-f",
        demo + "/api/values-prod.yaml"},
       {"helm", "template", "api", demo + "/api", "--namespace", "demo-prod", "--include-crds",
        "-f", demo + "/api/values-prod.yaml"},
       3},
      {"plain directory", {demo + "/plain"}, {}, 5},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ProcessResult run = Capstan(c.capstan_args);
    ASSERT_EQ(run.exit_code, 0) << run.stderr_data;
    auto ours = ParseYamlStream(run.stdout_data, "capstan");
    ASSERT_TRUE(ours.ok()) << ours.error().message();
    EXPECT_EQ(ours->size(), c.want_objects);
    if (c.oracle.empty()) continue;
    ProcessOptions oracle;
    oracle.argv = c.oracle;
    auto theirs_run = RunProcess(oracle);
    ASSERT_TRUE(theirs_run.ok() && theirs_run->success())
        << c.oracle[0] << " failed: run scripts/install-deps.sh and `source scripts/env.sh`";
    auto theirs = ParseYamlStream(theirs_run->stdout_data, c.oracle[0]);
    ASSERT_TRUE(theirs.ok()) << theirs.error().message();
    std::vector<std::string> want, got;
    for (const YamlDocument& d : *theirs) {
      if (!d.value.is_null()) want.push_back(EmitYaml(d.value));
    }
    for (const YamlDocument& d : *ours) got.push_back(EmitYaml(d.value));
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace capstan
