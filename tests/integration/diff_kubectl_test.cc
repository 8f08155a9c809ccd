// Real tools as oracles for `capstan diff`, needing no cluster (a kube-apiserver is not
// available in this repository yet; the live sides are fixtures faithful to v1.20):
//  - kubectl writes the desired manifests the way users bootstrap them
//    (`kubectl create ... --dry-run=client -o yaml`: `strategy: {}`, `resources: {}`,
//    `status: {}`), and capstan must see no difference against what the server returns;
//  - GNU `diff --minimal -u`, which is what `kubectl diff` runs by default, checks that
//    capstan's line diff is as short as possible.
// A missing kubectl or diff fails the test; run scripts/install-deps.sh and source
// scripts/env.sh first.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/yaml.h"
#include "diff/diff.h"
#include "support/run.h"

namespace {

namespace fs = std::filesystem;

const std::string kTestdata = std::string(CAPSTAN_SOURCE_DIR) + "/src/diff/testdata/";

struct Output {
  int exit_code = -1;
  std::string out;
};

// Runs a program by argv (no shell); stderr is appended to stdout, as "2>&1" would.
Output RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  capstan::it::RunOutput output = capstan::it::RunProgram(argv, {}, env);
  return {output.exit_code, output.out + output.err};
}

fs::path TempFile(const std::string& name, const std::string& text) {
  fs::path path =
      fs::temp_directory_path() / ("capstan-kubectl-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}

// kubectl's client-side generators need no server; KUBECONFIG=/dev/null proves it.
std::string Kubectl(const std::string& args) {
  std::vector<std::string> argv = {"kubectl"};
  for (std::string& word : capstan::it::SplitArgs(args)) argv.push_back(std::move(word));
  for (const char* flag : {"--dry-run=client", "-o", "yaml"}) argv.emplace_back(flag);
  Output run = RunCommand(argv, {"KUBECONFIG=/dev/null"});
  EXPECT_EQ(run.exit_code, 0) << "kubectl " << args << ":\n" << run.out;
  return run.out;
}

TEST(DiffKubectl, CreatedDeploymentMatchesWhatTheServerReturns) {
  std::string manifest = Kubectl("create deployment web --image=nginx:1.25 --replicas=2");
  ASSERT_NE(manifest.find("strategy: {}"), std::string::npos) << manifest;
  fs::path desired = TempFile("deployment.yaml", manifest);
  Output run = RunCommand(
      {CAPSTAN_BINARY, "diff", desired.string(), kTestdata + "kubectl/deployment-live.yaml"});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("No differences (1 object compared)"), std::string::npos) << run.out;

  std::string scaled = Kubectl("create deployment web --image=nginx:1.25 --replicas=4");
  fs::path changed = TempFile("deployment-4.yaml", scaled);
  run = RunCommand({CAPSTAN_BINARY, "diff", "--color", "never", changed.string(),
                    kTestdata + "kubectl/deployment-live.yaml"});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("-  replicas: 2\n+  replicas: 4\n"), std::string::npos) << run.out;
  fs::remove(desired);
  fs::remove(changed);
}

TEST(DiffKubectl, CreatedSecretValuesStayHidden) {
  const std::string kNew = "Fresh-Value-123";
  std::string manifest = Kubectl("create secret generic db --from-literal=password=" + kNew);
  fs::path desired = TempFile("secret.yaml", manifest);
  for (const std::string output : {"unified", "json"}) {
    SCOPED_TRACE(output);
    Output run = RunCommand({CAPSTAN_BINARY, "diff", "-o", output, desired.string(),
                             kTestdata + "kubectl/secret-live.yaml"});
    EXPECT_EQ(run.exit_code, 1) << run.out;
    for (const std::string& secret :
         {kNew, std::string("RnJlc2gtVmFsdWUtMTIz"), std::string("0ld-Value-77"),
          std::string("MGxkLVZhbHVlLTc3")}) {
      EXPECT_EQ(run.out.find(secret), std::string::npos) << secret << "\n" << run.out;
    }
    EXPECT_NE(run.out.find("++++++++ (changed)"), std::string::npos) << run.out;
  }
  fs::remove(desired);
}

// Both edit scripts are minimal, so they delete and insert the same number of lines.
TEST(DiffKubectl, LineDiffIsAsShortAsGnuDiffMinimal) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"deployment/desired-image.yaml", "deployment/live.yaml"},
      {"deployment/desired-no-replicas.yaml", "deployment/live-extra-env.yaml"},
      {"deployment/desired.yaml", "statefulset/live.yaml"},
      {"service/desired.yaml", "deployment/live-hpa.yaml"},
  };
  for (const auto& [desired_file, live_file] : pairs) {
    SCOPED_TRACE(desired_file + " vs " + live_file);
    std::ifstream d(kTestdata + desired_file), l(kTestdata + live_file);
    std::stringstream ds, ls;
    ds << d.rdbuf();
    ls << l.rdbuf();
    auto desired = capstan::ParseYamlStream(ds.str(), desired_file);
    auto live = capstan::ParseYamlStream(ls.str(), live_file);
    ASSERT_TRUE(desired.ok() && live.ok());
    // Two unrelated objects still make a useful line-diff input: show both as Modified by
    // diffing each side's YAML as a whole.
    capstan::diff::ObjectDiff object;
    object.change = capstan::diff::Change::kModified;
    object.desired = desired->front().value;
    object.live = live->front().value;
    std::string ours = capstan::diff::PrintUnified(object, {});
    fs::path a = TempFile("a.yaml", capstan::EmitYaml(object.live));
    fs::path b = TempFile("b.yaml", capstan::EmitYaml(object.desired));
    Output gnu = RunCommand({"diff", "--minimal", "-U3", a.string(), b.string()});
    ASSERT_EQ(gnu.exit_code, 1) << "GNU diff missing or inputs equal: " << gnu.out;
    auto count = [](const std::string& text, char marker) {
      std::stringstream lines(text);
      std::string line;
      int n = 0;
      while (std::getline(lines, line)) {
        if (!line.empty() && line[0] == marker && line.rfind("---", 0) != 0 &&
            line.rfind("+++", 0) != 0) {
          ++n;
        }
      }
      return n;
    };
    EXPECT_EQ(count(ours, '-'), count(gnu.out, '-')) << ours << "\n" << gnu.out;
    EXPECT_EQ(count(ours, '+'), count(gnu.out, '+')) << ours << "\n" << gnu.out;
    fs::remove(a);
    fs::remove(b);
  }
}

}  // namespace
