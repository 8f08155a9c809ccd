// `capstan up` end to end on real podman: README's main command. It builds the demo image,
// makes a Git repository from examples/demo/local, runs the demo with the local target and
// answers through its proxy; a Git commit releases v2 as a rolling update under load with
// no failed request; `capstan down` leaves no container behind.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "support/run.h"

namespace capstan::it {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kSource = CAPSTAN_SOURCE_DIR;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A port nothing listens on now, below the ephemeral range (as scripts/lib/ports.sh).
int FreePort() {
  static int next = 12000 + static_cast<int>(getpid() % 8000);
  for (int tries = 0; tries < 100; ++tries) {
    int port = next++;
    RunOutput probe = RunProgram({"curl", "-s", "-o", "/dev/null", "-m", "1",
                                  "http://127.0.0.1:" + std::to_string(port) + "/"});
    if (probe.exit_code == 7) return port;  // connection refused: free
  }
  return 0;
}

class LocalUpTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunProgram({"podman", "--version"}).exit_code, 0)
        << "podman is missing: run scripts/install-deps.sh";
    state_ = tmp_.path() / "state";
    // A private image and container store, so the test neither sees nor leaves anything in
    // the machine's own.
    fs::path storage =
        tmp_.Write("storage.conf", "[storage]\ndriver = \"overlay\"\ngraphroot = \"" +
                                       (tmp_.path() / "graph").string() + "\"\nrunroot = \"" +
                                       (tmp_.path() / "run").string() + "\"\n");
    env_ = {"CONTAINERS_STORAGE_CONF=" + storage.string()};
    api_ = "127.0.0.1:" + std::to_string(FreePort());
    proxy_ = "127.0.0.1:" + std::to_string(FreePort());
    service_port_ = FreePort();
  }

  void TearDown() override {
    // Whatever happened, leave no container behind.
    RunProgram({CAPSTAN_BINARY, "down", "--state", state_.string()}, kSource, env_);
  }

  RunOutput Capstan(std::vector<std::string> args) {
    args.insert(args.begin(), CAPSTAN_BINARY);
    return RunProgram(args, kSource, env_);
  }

  std::string Get(const std::string& path) {
    RunOutput out =
        RunProgram({"curl", "-s", "-m", "5", "-w", "\n%{http_code}", "http://" + proxy_ + path});
    return out.out;
  }

  std::vector<std::string> ManagedContainers() {
    std::string id = ReadFile(state_ / "local" / "instance-id");
    while (!id.empty() && id.back() == '\n') id.pop_back();
    RunOutput out = RunProgram({"podman", "ps", "-a", "--format", "{{.Names}}", "--filter",
                                "label=capstan.dev/managed-by=" + id},
                               {}, env_);
    std::vector<std::string> names;
    std::istringstream lines(out.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) names.push_back(line);
    }
    return names;
  }

  TempDir tmp_;
  fs::path state_;
  std::vector<std::string> env_;
  std::string api_;
  std::string proxy_;
  int service_port_ = 0;
};

TEST_F(LocalUpTest, DemoComesUpReleasesV2WithoutAFailedRequestAndGoesDown) {
  RunOutput up = Capstan({"up", "--detach", "--state", state_.string(), "--listen", api_,
                          "--proxy-listen", proxy_, "--timeout", "180", "--service-port",
                          "demo/demo:80=" + std::to_string(service_port_)});
  ASSERT_EQ(up.exit_code, 0) << Describe(up) << ReadFile(state_ / "capstan.log");
  EXPECT_NE(up.out.find("the demo is Healthy"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("http://" + proxy_), std::string::npos) << "prints where the proxy is";

  std::string answer = Get("/");
  EXPECT_NE(answer.find("hello from demo v1"), std::string::npos) << answer;
  EXPECT_EQ(answer.substr(answer.size() - 3), "200");

  RunOutput service = RunProgram(
      {"curl", "-s", "-m", "5", "http://127.0.0.1:" + std::to_string(service_port_) + "/"});
  EXPECT_NE(service.out.find("hello from demo v1"), std::string::npos)
      << "the Service listens on the configured host port: " << Describe(service);

  RunOutput get = RunProgram({CAPSTAN_BINARY, "app", "get", "demo", "-o", "json"}, kSource,
                             {"CAPSTAN_SERVER=http://" + api_});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_NE(get.out.find("\"Healthy\""), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("\"Synced\""), std::string::npos) << get.out;
  EXPECT_EQ(ManagedContainers().size(), 3u * 2) << "3 pods: an infra and an app container each";

  // Release v2 with a Git commit, under steady load.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::map<std::string, int> versions;
  std::mutex versions_mu;
  std::thread load([&] {
    while (!stop) {
      std::string body = Get("/");
      bool success = body.size() >= 3 && body.substr(body.size() - 3) == "200";
      (success ? ok : failed)++;
      std::smatch match;
      if (std::regex_search(body, match, std::regex("demo (v[0-9])"))) {
        std::lock_guard lock(versions_mu);
        versions[match[1]]++;
      }
    }
  });
  fs::path deployment = state_ / "repo/apps/demo/deployment.yaml";
  std::string text = ReadFile(deployment);
  text = std::regex_replace(text, std::regex("capstan-demo:v1"), "capstan-demo:v2");
  text = std::regex_replace(text, std::regex("version: v1"), "version: v2");
  std::ofstream(deployment, std::ios::trunc) << text;
  RunOutput commit =
      RunProgram({"git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "demo: v2"},
                 state_ / "repo");
  ASSERT_EQ(commit.exit_code, 0) << Describe(commit);

  bool all_v2 = false;
  for (auto deadline = std::chrono::steady_clock::now() + 120s;
       std::chrono::steady_clock::now() < deadline && !all_v2;) {
    std::this_thread::sleep_for(1s);
    all_v2 = true;
    for (int i = 0; i < 6; ++i) {
      if (Get("/").find("demo v2") == std::string::npos) all_v2 = false;
    }
  }
  stop = true;
  load.join();
  EXPECT_TRUE(all_v2) << "every answer comes from v2 once the rollout is done";
  EXPECT_EQ(failed.load(), 0) << ok.load() << " requests succeeded during the rollout";
  EXPECT_GT(versions["v1"], 0);
  EXPECT_GT(versions["v2"], 0);

  RunOutput history = RunProgram({CAPSTAN_BINARY, "app", "history", "demo"}, kSource,
                                 {"CAPSTAN_SERVER=http://" + api_});
  EXPECT_NE(history.out.find("demo: v2"), std::string::npos) << Describe(history);

  RunOutput undo =
      RunProgram({CAPSTAN_BINARY, "rollout", "undo", "deployment/demo", "--app", "demo"}, kSource,
                 {"CAPSTAN_SERVER=http://" + api_});
  EXPECT_EQ(undo.exit_code, 0) << Describe(undo);
  EXPECT_NE(undo.out.find("deployment.apps/demo rolled back"), std::string::npos) << undo.out;
  RunOutput audit = RunProgram({"curl", "-s", "http://" + api_ + "/api/v1/audit?app=demo"});
  EXPECT_NE(audit.out.find("rollout-undo"), std::string::npos) << audit.out;

  RunOutput down = Capstan({"down", "--state", state_.string()});
  ASSERT_EQ(down.exit_code, 0) << Describe(down);
  EXPECT_EQ(ManagedContainers(), std::vector<std::string>{}) << "capstan down leaves nothing";
}

}  // namespace
}  // namespace capstan::it
