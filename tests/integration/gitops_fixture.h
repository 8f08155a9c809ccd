// What the gitops_*_test.cc end-to-end tests share: one real control plane per test binary
// (scripts/kube-env.sh with the test stand-in for a kubelet), a real Git repository made
// with the git CLI from testdata/gitops/, and the real `capstan server` and `capstan app`
// binaries. Each test starts its own server on a fresh --state and uses its own namespaces,
// so tests do not see each other's Applications.
//
// Included by exactly one .cc file per test binary (so the inline statics are one per
// binary). Needs kubectl, git, curl and helm on PATH (scripts/env.sh); without them the
// tests fail loudly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/value.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "support/server_process.h"

namespace capstan::gitops_it {

namespace fs = std::filesystem;
using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::ServerOptions;
using capstan::it::ServerProcess;
using capstan::it::TempDir;
using namespace std::chrono_literals;

inline const fs::path kLayouts = fs::path(CAPSTAN_SOURCE_DIR) / "tests/integration/testdata/gitops";
inline const std::string kTrackingAnnotation = "argocd.argoproj.io/tracking-id";
inline const std::string kInstanceLabel = "app.kubernetes.io/instance";
// How long a whole sync may take here (render, apply, a Deployment's Pods Ready, Jobs of a
// few seconds); about 5 s on an idle machine, several times that on a loaded one.
constexpr auto kConverge = 90s;
// Fast loops for tests: Git fetched and every Application reconciled every 2 s.
constexpr int kPollSeconds = 2;
constexpr int kResyncSeconds = 2;
// Long enough for at least two resyncs and two fetches: what the controller does by itself
// has happened by then.
constexpr auto kSeveralResyncs = 5s;

inline RunOutput Kubectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

// `kubectl -n NS get OBJECT -o jsonpath=PATH`; "" when it fails (e.g. the object is missing).
inline std::string JsonPath(const std::string& ns, const std::string& object,
                            const std::string& path) {
  RunOutput get = Kubectl({"-n", ns, "get", object, "-o", "jsonpath=" + path});
  return get.exit_code == 0 ? get.out : "";
}

inline bool Exists(const std::string& ns, const std::string& object) {
  return Kubectl({"-n", ns, "get", object, "-o", "name"}).exit_code == 0;
}

// Polls `done` every 200 ms until it holds or `limit` passes.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

inline Value Json(const std::string& text) {
  auto parsed = ParseJson(text, "test input");
  return parsed.ok() ? *parsed : Value();
}

inline std::string Str(const Value& value, std::initializer_list<std::string_view> path) {
  return std::string(value.StringAt(path));
}

// A Git repository in a temp folder holding a copy of testdata/gitops/, committed on main.
class GitRepo {
 public:
  explicit GitRepo(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    fs::copy(kLayouts, dir_, fs::copy_options::recursive);
    Git({"init", "-q", "-b", "main"});
    Commit("the example layouts");
  }
  const fs::path& dir() const { return dir_; }
  std::string url() const { return "file://" + dir_.string(); }

  // Runs git in the repository with a fixed author; failures fail the test.
  RunOutput Git(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"git",
                                     "-C",
                                     dir_.string(),
                                     "-c",
                                     "user.name=capstan e2e",
                                     "-c",
                                     "user.email=e2e@capstan.invalid"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOutput run = RunProgram(argv);
    EXPECT_EQ(run.exit_code, 0) << "git " << args[0] << ": " << Describe(run);
    return run;
  }
  // Commits everything in the work tree; returns the new commit's SHA.
  std::string Commit(const std::string& message) const {
    Git({"add", "-A"});
    Git({"commit", "-q", "--allow-empty", "-m", message});
    return Head();
  }
  std::string Head() const {
    std::string sha = Git({"rev-parse", "HEAD"}).out;
    while (!sha.empty() && sha.back() == '\n') sha.pop_back();
    return sha;
  }
  void Write(const std::string& relative, const std::string& contents) const {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative, std::ios::binary) << contents;
  }
  std::string Read(const std::string& relative) const {
    std::ifstream in(dir_ / relative, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Replaces the first `from` in the file with `to`; a missing `from` fails the test.
  void Replace(const std::string& relative, const std::string& from, const std::string& to) const {
    std::string text = Read(relative);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << relative << " has no \"" << from << "\"";
    Write(relative, text.replace(at, from.size(), to));
  }
  void Remove(const std::string& relative) const { fs::remove(dir_ / relative); }

 private:
  fs::path dir_;
};

// One Application as a user writes it (Argo CD's fields; capstan's settings as annotations):
// automated sync without prune or selfHeal unless a setter says otherwise.
struct AppSpec {
  AppSpec(std::string name, std::string path, std::string destination_namespace)
      : name(std::move(name)),
        path(std::move(path)),
        namespace_(std::move(destination_namespace)) {}
  AppSpec& Manual() {
    automated = false;
    return *this;
  }
  AppSpec& Prune() {
    prune = true;
    return *this;
  }
  AppSpec& SelfHeal() {
    self_heal = true;
    return *this;
  }
  AppSpec& Annotate(const std::string& key, const std::string& value) {
    annotations[key] = value;
    return *this;
  }

  std::string name;
  std::string path;        // folder in the repository
  std::string namespace_;  // destination; created by the sync (CreateNamespace=true)
  bool automated = true;
  bool prune = false;
  bool self_heal = false;
  std::map<std::string, std::string> annotations;
};

inline std::string ApplicationYaml(const AppSpec& app, const std::string& repo_url) {
  std::string yaml =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + app.name + "\n";
  if (!app.annotations.empty()) {
    yaml += "  annotations:\n";
    for (const auto& [key, value] : app.annotations) {
      yaml += "    " + key + ": \"" + value + "\"\n";
    }
  }
  yaml += "spec:\n  project: default\n  source:\n    repoURL: " + repo_url +
          "\n    targetRevision: HEAD\n    path: " + app.path +
          "\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: " +
          app.namespace_ + "\n  syncPolicy:\n";
  if (app.automated) {
    yaml += std::string("    automated:\n      prune: ") + (app.prune ? "true" : "false") +
            "\n      selfHeal: " + (app.self_heal ? "true" : "false") + "\n";
  }
  yaml += "    syncOptions: [CreateNamespace=true]\n";
  return yaml;
}

// `capstan server` on its own apps folder and --state (both under `root`), restartable on the
// same state.
class CapstanServer {
 public:
  CapstanServer(fs::path root, const std::vector<AppSpec>& apps, const std::string& repo_url,
                std::vector<std::string> extra_flags = {}, std::vector<std::string> env = {})
      : root_(std::move(root)), extra_flags_(std::move(extra_flags)), env_(std::move(env)) {
    fs::create_directories(root_ / "apps");
    for (const AppSpec& app : apps) {
      std::ofstream(root_ / "apps" / (app.name + ".yaml")) << ApplicationYaml(app, repo_url);
    }
  }

  // Starts (or starts again, on the same --state) and waits for the "listening" line.
  // Each start logs to its own folder, run-N/.
  ::testing::AssertionResult Start() {
    ++starts_;
    std::vector<std::string> argv = {
        CAPSTAN_BINARY, "server",
        "--apps",       apps_location_.empty() ? (root_ / "apps").string() : apps_location_,
        "--state",      (root_ / "state").string(),
        "--listen",     "127.0.0.1:0"};
    if (!cluster_apps_) argv.push_back("--no-cluster-apps");
    // Fast loops by default; a test's own value of the same flag wins.
    const std::vector<std::pair<std::string, std::string>> defaults = {
        {"--poll", std::to_string(kPollSeconds)},
        {"--resync", std::to_string(kResyncSeconds)},
        {"--apps-poll", "2"},
        {"--wave-timeout", "60"}};
    for (const auto& [flag, value] : defaults) {
      if (std::find(extra_flags_.begin(), extra_flags_.end(), flag) != extra_flags_.end()) continue;
      argv.push_back(flag);
      argv.push_back(value);
    }
    argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
    ServerOptions options;
    options.argv = std::move(argv);
    options.env = env_;
    options.log_dir = root_ / ("run-" + std::to_string(starts_));
    process_ = std::make_unique<ServerProcess>(std::move(options));
    if (!process_->Start()) {
      return ::testing::AssertionFailure() << "capstan server: " << process_->error();
    }
    url_ = process_->ReadyWord();
    return ::testing::AssertionSuccess() << url_;
  }

  // Before Start: read Applications from `location` (a folder or a Git URL) instead of the
  // server's own apps folder, and/or also from Application objects in the cluster.
  void UseAppsFrom(std::string location) { apps_location_ = std::move(location); }
  void ReadClusterApps() { cluster_apps_ = true; }

  ServerProcess& process() { return *process_; }
  const std::string& url() const { return url_; }
  std::string Logs() const { return process_ ? process_->LogTail(80) : "(no server)"; }

  // `capstan app ARGS... --server URL`.
  RunOutput App(std::vector<std::string> args) const {
    std::vector<std::string> argv = {CAPSTAN_BINARY, "app"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--server");
    argv.push_back(url_);
    return RunProgram(argv);
  }
  // `capstan app get NAME -o json`; null when it fails.
  Value Get(const std::string& name) const {
    RunOutput get = App({"get", name, "-o", "json"});
    return get.exit_code == 0 ? Json(get.out) : Value();
  }
  // GET on the API (curl); null when the answer is not JSON.
  Value ApiGet(const std::string& path) const {
    return Json(RunProgram({"curl", "-sS", url_ + path}).out);
  }
  // The audit log's items for `app`, newest first.
  Value::Array Audit(const std::string& app) const {
    Value log = ApiGet("/api/v1/audit?app=" + app + "&limit=1000");
    const Value* items = log.Find("items");
    return items != nullptr && items->is_array() ? items->as_array() : Value::Array{};
  }

  // Waits until the Application reports Synced, Healthy and a Succeeded operation with
  // `revision` as its newest history entry; returns what it last saw when it does not.
  ::testing::AssertionResult WaitSyncedHealthy(const std::string& name, const std::string& revision,
                                               std::chrono::milliseconds limit = kConverge) const {
    Value app;
    bool done = WaitUntil(
        [&] {
          app = Get(name);
          const Value* history = app.At({"status", "history"});
          return Str(app, {"status", "sync", "status"}) == "Synced" &&
                 Str(app, {"status", "sync", "revision"}) == revision &&
                 Str(app, {"status", "health", "status"}) == "Healthy" &&
                 Str(app, {"status", "operationState", "phase"}) == "Succeeded" &&
                 history != nullptr && history->is_array() && !history->empty() &&
                 Str(history->as_array().back(), {"revision"}) == revision;
        },
        limit);
    if (done) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << name << " not Synced/Healthy/Succeeded at " << revision << ": "
           << EmitJson(app.Find("status") ? *app.Find("status") : app, 2) << "\n"
           << Logs();
  }

 private:
  fs::path root_;
  std::vector<std::string> extra_flags_;
  std::vector<std::string> env_;
  int starts_ = 0;
  std::string apps_location_;  // empty: root_/apps
  bool cluster_apps_ = false;
  std::unique_ptr<ServerProcess> process_;
  std::string url_;
};

// One control plane for the whole test binary.
class GitOps : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(
        cluster_dir_->path(), KubeClusterOptions{.controllers = true, .test_kubelet = true});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    setenv("KUBECONFIG", cluster_->kubeconfig().c_str(), 1);
  }

  static void TearDownTestSuite() {
    cluster_.reset();
    cluster_dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << start_error_;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
  }

  // A server for `apps` on this test's repository, started; fails the test when it cannot.
  std::unique_ptr<CapstanServer> StartServer(const std::vector<AppSpec>& apps,
                                             std::vector<std::string> extra_flags = {},
                                             std::vector<std::string> env = {}) {
    auto server = std::make_unique<CapstanServer>(dir_.path() / "server", apps, repo_->url(),
                                                  std::move(extra_flags), std::move(env));
    auto started = server->Start();
    EXPECT_TRUE(started);
    return started ? std::move(server) : nullptr;
  }

  // What the test stand-in for a kubelet did, for failure messages.
  static std::string StandinLog() { return cluster_->LogTail("test-kubelet.log", 30); }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;

  inline static std::unique_ptr<TempDir> cluster_dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  inline static bool started_ = false;
  inline static std::string start_error_;
};

}  // namespace capstan::gitops_it
