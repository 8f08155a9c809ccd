// Runs the built `capstan diff` on the diff module's fixtures: exit codes (0 none, 1
// differences, 2 errors), what the output says, and that Secret values never appear.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/json.h"
#include "support/run.h"

namespace {

namespace fs = std::filesystem;

const std::string kTestdata = std::string(CAPSTAN_SOURCE_DIR) + "/src/diff/testdata/";

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

RunResult Capstan(const std::string& args) {
  std::vector<std::string> argv = {CAPSTAN_BINARY, "diff"};
  for (std::string& word : capstan::it::SplitArgs(args)) argv.push_back(std::move(word));
  capstan::it::RunOutput output = capstan::it::RunProgram(argv);
  return {output.exit_code, output.out, output.err};
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("capstan-diff-cli-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  fs::path Write(const std::string& relative, const std::string& text) const {
    fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(DiffCli, ExitCodesAndSummaries) {
  const std::string d = kTestdata + "deployment/";
  struct Case {
    std::string name;
    std::string args;
    int exit_code;
    std::vector<std::string> out_has;
  };
  const std::vector<Case> cases = {
      {"applied deployment",
       d + "desired.yaml " + d + "live.yaml",
       0,
       {"No differences (1 object compared)\n"}},
      {"new image",
       d + "desired-image.yaml " + d + "live.yaml",
       1,
       {"--- live: apps/Deployment default/web (" + d + "live.yaml)\n",
        "+++ desired: apps/Deployment default/web (" + d + "desired-image.yaml)\n",
        "-        image: ghcr.io/example/web:1.4.2\n+        image: ghcr.io/example/web:1.5.0\n",
        "1 object differs: 1 modified\n"}},
      {"replicas dropped, defaults on",
       d + "desired-no-replicas.yaml " + d + "live.yaml",
       1,
       {"-  replicas: 3\n+  replicas: 1\n"}},
      {"replicas dropped, defaults off",
       "--no-defaults " + d + "desired-no-replicas.yaml " + d + "live.yaml",
       1,
       {"-  replicas: 3\n", "1 object differs: 1 modified\n"}},
      {"services",
       kTestdata + "service/desired.yaml " + kTestdata + "service/live.yaml",
       0,
       {"No differences (2 objects compared)\n"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RunResult run = Capstan(c.args + " --color never");
    EXPECT_EQ(run.exit_code, c.exit_code) << run.out << run.err;
    for (const std::string& text : c.out_has) {
      EXPECT_NE(run.out.find(text), std::string::npos) << "missing: " << text << "\n" << run.out;
    }
    EXPECT_EQ(run.out.find('\x1b'), std::string::npos) << "colour without --color always";
  }
}

TEST(DiffCli, FoldersAndKubectlListsPairUp) {
  TempDir desired, live;
  desired.Write("apps/web/deployment.yaml", ReadAll(kTestdata + "deployment/desired-image.yaml"));
  desired.Write("apps/web/service.yml", ReadAll(kTestdata + "service/desired.yaml"));
  desired.Write("apps/db/secret.yaml", ReadAll(kTestdata + "secret/desired.yaml"));
  desired.Write(".git/config.yaml", "not: [a manifest");  // hidden folders are skipped
  desired.Write("README.md", "# not read");
  // `kubectl get deploy,svc -o yaml` prints a List; the ConfigMap is only live.
  std::string list = "apiVersion: v1\nkind: List\nitems:\n";
  for (const std::string file : {"deployment/live.yaml", "service/live.yaml"}) {
    std::string text = ReadAll(kTestdata + file);
    std::stringstream lines(text);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      if (line == "---") {
        first = true;
        continue;
      }
      list += (first ? "- " : "  ") + line + "\n";
      first = false;
    }
  }
  live.Write("list.yaml", list);
  live.Write("secret.json",
             "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
             "\"db\",\"namespace\":\"shop\"},\"data\":{\"username\":\"YWRtaW4=\","
             "\"password\":\"czNjcjN0LVBhc3N3MHJk\"},\"type\":\"Opaque\"}");
  live.Write("extra/configmap.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leftover, namespace: shop}\n");
  RunResult run = Capstan(desired.path().string() + " " + live.path().string());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("+++ desired: apps/Deployment default/web (apps/web/deployment.yaml)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("--- live: ConfigMap shop/leftover (extra/configmap.yaml)"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("2 objects differ: 1 modified, 1 removed\n"), std::string::npos)
      << run.out;
}

TEST(DiffCli, RendersADesiredKustomization) {
  TempDir dir;
  dir.Write(".git/HEAD", "ref: refs/heads/main\n");  // the checkout reads are confined to
  dir.Write("base/web.yaml", ReadAll(kTestdata + "deployment/desired.yaml"));
  dir.Write("base/kustomization.yaml", "resources: [web.yaml]\n");
  dir.Write("prod/kustomization.yaml",
            "resources: [../base]\nimages:\n- {name: ghcr.io/example/web, newTag: 1.5.0}\n");
  const std::string live = kTestdata + "deployment/live.yaml";
  RunResult base = Capstan((dir.path() / "base").string() + " " + live);
  EXPECT_EQ(base.exit_code, 0) << base.out << base.err;
  RunResult prod = Capstan((dir.path() / "prod").string() + " " + live);
  EXPECT_EQ(prod.exit_code, 1) << prod.out << prod.err;
  EXPECT_NE(prod.out.find("+        image: ghcr.io/example/web:1.5.0\n"), std::string::npos)
      << prod.out;
}

TEST(DiffCli, JsonOutputIsMachineReadable) {
  const std::string d = kTestdata + "deployment/";
  RunResult run = Capstan("-o json " + d + "desired-replicas.yaml " + d + "live.yaml");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  auto parsed = capstan::ParseJson(run.out, "stdout");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message() << "\n" << run.out;
  EXPECT_EQ(parsed->At({"summary", "modified"})->as_int(), 1);
  const capstan::Value& object = parsed->Find("objects")->as_array().at(0);
  EXPECT_EQ(object.StringAt({"change"}), "Modified");
  const capstan::Value& change = object.Find("changes")->as_array().at(0);
  EXPECT_EQ(change.StringAt({"path"}), "spec.replicas");
  EXPECT_EQ(change.Find("before")->as_int(), 3);
  EXPECT_EQ(change.Find("after")->as_int(), 5);
}

TEST(DiffCli, ColourOnlyWhenAsked) {
  const std::string d = kTestdata + "deployment/";
  RunResult run = Capstan("--color always " + d + "desired-image.yaml " + d + "live.yaml");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("\x1b[31m-        image: ghcr.io/example/web:1.4.2\x1b[0m"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\x1b[32m+        image: ghcr.io/example/web:1.5.0\x1b[0m"),
            std::string::npos);
}

TEST(DiffCli, IgnoreDifferencesFile) {
  const std::string d = kTestdata + "deployment/";
  TempDir dir;
  fs::path application = dir.Write("app.yaml", R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  ignoreDifferences:
  - group: apps
    kind: Deployment
    managedFieldsManagers: [kube-controller-manager]
)");
  RunResult without = Capstan(d + "desired.yaml " + d + "live-hpa.yaml");
  EXPECT_EQ(without.exit_code, 1) << without.out << without.err;
  RunResult with = Capstan("--ignore-differences " + application.string() + " " + d +
                           "desired.yaml " + d + "live-hpa.yaml");
  EXPECT_EQ(with.exit_code, 0) << with.out << with.err;
}

TEST(DiffCli, SecretValuesNeverPrinted) {
  const std::string s = kTestdata + "secret/";
  for (const std::string mode : {"-o unified --color always", "-o unified", "-o json"}) {
    SCOPED_TRACE(mode);
    RunResult run = Capstan(mode + " " + s + "desired-changed.yaml " + s + "live.yaml");
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_NE(run.out.find("++++++++ (changed)"), std::string::npos) << run.out;
    for (const std::string secret : {"s3cr3t-Passw0rd", "czNjcjN0LVBhc3N3MHJk", "n3w-Passw0rd-2024",
                                     "bjN3LVBhc3N3MHJkLTIwMjQ="}) {
      EXPECT_EQ(run.out.find(secret), std::string::npos) << secret << "\n" << run.out;
      EXPECT_EQ(run.err.find(secret), std::string::npos) << secret << "\n" << run.err;
    }
  }
}

TEST(DiffCli, ErrorsExitTwoWithOneSentence) {
  const std::string d = kTestdata + "deployment/";
  TempDir dir;
  fs::path broken = dir.Write("broken.yaml", "kind: [unclosed\n");
  fs::path jq = dir.Write("jq.yaml",
                          "- {group: apps, kind: Deployment, jqPathExpressions: "
                          "['.spec.replicas']}\n");
  dir.Write("overlay/kustomization.yaml", "resources: [missing.yaml]\n");
  struct Case {
    std::string name;
    std::string args;
    std::string err_has;
  };
  const std::vector<Case> cases = {
      {"missing live", d + "desired.yaml /nonexistent/live.yaml",
       "capstan diff: live /nonexistent/live.yaml: no such file or folder"},
      {"broken YAML", broken.string() + " " + d + "live.yaml", "broken.yaml:2:1: "},
      {"jq expressions",
       "--ignore-differences " + jq.string() + " " + d + "desired.yaml " + d + "live.yaml",
       "jqPathExpressions are not supported"},
      {"unknown output", "-o yaml " + d + "desired.yaml " + d + "live.yaml", "--output"},
      {"missing argument", d + "desired.yaml", "LIVE"},
      {"a kustomization", (dir.path() / "overlay").string() + " " + d + "live.yaml",
       "capstan diff: desired " + (dir.path() / "overlay").string()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RunResult run = Capstan(c.args);
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    EXPECT_NE(run.err.find(c.err_has), std::string::npos) << run.err;
  }
}

}  // namespace
