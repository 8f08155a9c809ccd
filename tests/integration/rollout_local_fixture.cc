#include "rollout_local_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "core/json.h"
#include "core/yaml.h"
#include "support/http_client.h"

namespace capstan::it {
namespace {

namespace fs = std::filesystem;

const fs::path kTestdata =
    fs::path(CAPSTAN_SOURCE_DIR) / "tests/integration/testdata/rollouts-local";
const std::vector<std::string> kScenarios = {"canary-good", "canary-bad", "canary-metrics-down",
                                             "canary-pause", "bluegreen"};
// Building the images, starting Prometheus and capstan, the first sync of every scenario and
// its pods Ready: about 30 s on an idle machine.
constexpr auto kSetUpTimeout = 180s;
// capstan fetches the repository every second, so a commit is seen within about 1 s.
constexpr char kPollSeconds[] = "1";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces every ${NAME} in `text`.
std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "${" + name + "}";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return text;
}

// Copies every file under `from` to `to` with its placeholders filled.
void CopyFilled(const fs::path& from, const fs::path& to,
                const std::map<std::string, std::string>& values) {
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    if (!entry.is_regular_file()) continue;
    fs::path target = to / fs::relative(entry.path(), from);
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::trunc) << Fill(ReadFile(entry.path()), values);
  }
}

std::map<std::string, std::string> Placeholders(const RolloutEnv& env) {
  return {{"CAPSTAN_UP_REPO", "file://" + env.repo.string()},
          {"PROMETHEUS", env.prometheus->address()},
          {"PROMETHEUS_TO_STOP", env.stoppable->address()}};
}

std::string Git(const fs::path& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-c", "user.name=capstan", "-c", "user.email=t@t.invalid"});
  RunOutput run = RunProgram(args, repo);
  return run.exit_code == 0 ? "" : "git: " + Describe(run);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

Result<Value> GetJson(const std::string& address, const std::string& path) {
  HttpResult result = HttpClient(address, /*keep_alive=*/false).Get(path);
  if (result.status != 200) {
    return Error::Unavailable("GET " + path + ": " + std::to_string(result.status) + " " +
                              result.error + result.body);
  }
  return ParseJson(result.body, path);
}

// Makes the repository, starts both Prometheus servers and capstan, and waits until every
// scenario's Rollout is Healthy. Returns why not, or "".
std::string Start(RolloutEnv& env) {
  if (PrometheusServer::Binary().empty()) {
    return "prometheus is not installed: run scripts/install-deps.sh (Debian package prometheus)";
  }
  fs::create_directories(env.dir.path() / "podman");
  env.podman = std::make_unique<PodmanEnv>(env.dir.path() / "podman");
  if (!env.podman->ready()) return env.podman->error();

  env.api = "127.0.0.1:" + std::to_string(FreePort());
  env.proxy = "127.0.0.1:" + std::to_string(FreePort());
  for (const char* name : {"prometheus", "prometheus-to-stop"}) {
    fs::create_directories(env.dir.path() / name);
    auto server = std::make_unique<PrometheusServer>(env.dir.path() / name,
                                                     std::vector<std::string>{env.api});
    std::string error;
    if (!server->Start(&error)) return error;
    (name == std::string("prometheus") ? env.prometheus : env.stoppable) = std::move(server);
  }

  env.repo = env.dir.path() / "repo";
  fs::create_directories(env.repo);
  CopyFilled(kTestdata / "applications", env.repo / "applications", Placeholders(env));
  CopyFilled(kTestdata / "apps", env.repo / "apps", Placeholders(env));
  for (std::vector<std::string> args : {std::vector<std::string>{"init", "-q", "-b", "main"},
                                        {"add", "-A"},
                                        {"commit", "-qm", "every scenario at v1"}}) {
    if (std::string error = Git(env.repo, args); !error.empty()) return error;
  }

  ServerOptions options;
  options.argv = {CAPSTAN_BINARY,
                  "server",
                  "--local",
                  "--apps",
                  "file://" + env.repo.string(),
                  "--apps-revision",
                  "main",
                  "--apps-path",
                  "applications",
                  "--no-cluster-apps",
                  "--state",
                  (env.dir.path() / "state").string(),
                  "--listen",
                  env.api,
                  "--proxy-listen",
                  env.proxy,
                  "--poll",
                  kPollSeconds,
                  "--resync",
                  "10"};
  options.env = env.podman->EnvStrings();
  // No cluster: only the local target.
  options.env.push_back("KUBECONFIG=" + (env.dir.path() / "no-kubeconfig").string());
  options.ready_marker = "capstan server listening on";
  options.log_dir = env.dir.path() / "server";
  env.server = std::make_unique<ServerProcess>(options);
  if (!env.server->Start()) return "capstan server: " + env.server->error();

  std::string last;
  for (auto deadline = Clock::now() + kSetUpTimeout; Clock::now() < deadline;) {
    auto list = GetJson(env.api, "/api/v1/rollouts");
    int healthy = 0;
    last = list.ok() ? EmitJson(*list) : list.error().message();
    if (list.ok() && list->Find("items") != nullptr && list->Find("items")->is_array()) {
      for (const Value& item : list->Find("items")->as_array()) {
        healthy += item.StringAt({"phase"}) == "Healthy" ? 1 : 0;
      }
    }
    if (healthy == static_cast<int>(kScenarios.size())) return "";
    std::this_thread::sleep_for(500ms);
  }
  return "the scenarios' Rollouts are not all Healthy after " +
         std::to_string(std::chrono::seconds(kSetUpTimeout).count()) + " s: " + last + "\n" +
         env.server->LogTail(80);
}

}  // namespace

Load::Load(const std::string& proxy, const std::string& host) {
  thread_ = std::thread([this, proxy, host] { Run(proxy, host); });
}

void Load::Run(std::string proxy, std::string host) {
  static const std::regex kVersion("from demo (v[0-9]+)");
  HttpClient client(proxy, /*keep_alive=*/true, 5s);
  while (!stop_) {
    Sample sample;
    sample.sent = Clock::now();
    HttpResult result = client.Get("/", {{"Host", host}});
    sample.status = result.status;
    std::smatch match;
    if (std::regex_search(result.body, match, kVersion)) sample.version = match[1];
    if (result.status != 200) sample.detail = result.error + result.body.substr(0, 120);
    {
      std::lock_guard lock(mu_);
      samples_.push_back(std::move(sample));
    }
    std::this_thread::sleep_for(kLoadInterval);
  }
}

void Load::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<Load::Sample> Load::Samples() const {
  std::lock_guard lock(mu_);
  return samples_;
}

Load::Tally Load::Count(Clock::time_point from, Clock::time_point to) const {
  Tally tally;
  std::lock_guard lock(mu_);
  for (const Sample& sample : samples_) {
    if (sample.sent < from || sample.sent >= to) continue;
    ++tally.total;
    if (sample.status != 200) ++tally.failed;
    if (!sample.version.empty()) ++tally.versions[sample.version];
    if (sample.status >= 500) ++tally.errors[sample.version];
  }
  return tally;
}

std::string Load::Failures(size_t limit) const {
  std::string out;
  std::lock_guard lock(mu_);
  size_t shown = 0;
  for (const Sample& sample : samples_) {
    if (sample.status == 200 || shown++ >= limit) continue;
    out += std::to_string(sample.status) + " " + sample.detail + "\n";
  }
  return out;
}

void RolloutLocalFixture::SetUpTestSuite() {
  env_ = std::make_unique<RolloutEnv>();
  auto started = Clock::now();
  env_->error = Start(*env_);
  env_->setup_seconds = std::chrono::duration<double>(Clock::now() - started).count();
}

void RolloutLocalFixture::TearDownTestSuite() {
  if (env_->server) env_->server->Stop();
  env_.reset();  // Prometheus, then podman's teardown removes every pod, then the folder
}

void RolloutLocalFixture::SetUp() { ASSERT_EQ(env().error, "") << "set-up failed"; }

void RolloutLocalFixture::Release(const std::string& scenario) {
  CopyFilled(kTestdata / "releases" / scenario, env().repo / "apps" / scenario,
             Placeholders(env()));
  for (std::vector<std::string> args :
       {std::vector<std::string>{"add", "-A"}, {"commit", "-qm", scenario + ": v2"}}) {
    std::string error = Git(env().repo, args);
    ASSERT_EQ(error, "");
  }
}

Value RolloutLocalFixture::View(const std::string& scenario) {
  auto view = GetJson(env().api, "/api/v1/rollouts/web?namespace=" + scenario + "&app=" + scenario);
  EXPECT_TRUE(view.ok()) << view.error().message();
  return view.ok() ? std::move(*view) : Value();
}

RunOutput RolloutLocalFixture::Steer(const std::string& scenario, const std::string& action) {
  return RunProgram({"curl", "-s", "-m", "10", "-X", "POST", "-H", "Content-Type: application/json",
                     "-d", R"({"namespace":")" + scenario + R"(","app":")" + scenario + R"("})",
                     "-w", "\n%{http_code}",
                     "http://" + env().api + "/api/v1/rollouts/web/" + action});
}

bool RolloutLocalFixture::WaitRollout(const std::string& scenario,
                                      const std::function<bool(const Value&)>& done,
                                      std::chrono::milliseconds limit,
                                      const std::function<void(const Value&)>& seen) {
  for (auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
    auto view =
        GetJson(env().api, "/api/v1/rollouts/web?namespace=" + scenario + "&app=" + scenario);
    if (view.ok()) {
      if (seen) seen(*view);
      if (done(*view)) return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

testing::AssertionResult RolloutLocalFixture::WaitApp(const std::string& scenario,
                                                      const std::string& health,
                                                      std::chrono::milliseconds limit) {
  std::string seen;
  for (auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
    auto app = GetJson(env().api, "/api/v1/applications/" + scenario);
    if (app.ok()) {
      std::string sync(app->StringAt({"status", "sync", "status"}));
      std::string now(app->StringAt({"status", "health", "status"}));
      if (sync == "Synced" && now == health) return testing::AssertionSuccess();
      seen = sync + ", " + now + " (" +
             std::string(app->StringAt({"status", "health", "message"})) + ")";
    } else {
      seen = app.error().message();
    }
    std::this_thread::sleep_for(200ms);
  }
  return testing::AssertionFailure()
         << "Application " << scenario << " is " << seen << ", not Synced, " << health;
}

std::string RolloutLocalFixture::Explain(const std::string& scenario) {
  auto view = GetJson(env().api, "/api/v1/rollouts/web?namespace=" + scenario + "&app=" + scenario);
  return "\n" + (view.ok() ? EmitYaml(*view) : view.error().message()) + "\n" +
         env().server->LogTail(40);
}

std::string Phase(const Value& view) {
  return std::string(view.StringAt({"rollout", "status", "phase"}));
}
std::string Message(const Value& view) {
  return std::string(view.StringAt({"rollout", "status", "message"}));
}
std::string StableHash(const Value& view) {
  return std::string(view.StringAt({"rollout", "status", "stableRS"}));
}
std::string CurrentHash(const Value& view) {
  return std::string(view.StringAt({"rollout", "status", "currentPodHash"}));
}

int64_t CanaryWeight(const Value& view) {
  const Value* weight = view.At({"rollout", "status", "canary", "weights", "canary", "weight"});
  return weight != nullptr && weight->is_int() ? weight->as_int() : -1;
}

bool Aborted(const Value& view) {
  const Value* abort = view.At({"rollout", "status", "abort"});
  return abort != nullptr && abort->is_bool() && abort->as_bool();
}

std::string PauseReason(const Value& view) {
  const Value* conditions = view.At({"rollout", "status", "pauseConditions"});
  if (conditions == nullptr || !conditions->is_array() || conditions->as_array().empty()) {
    return "";
  }
  return std::string(conditions->as_array()[0].StringAt({"reason"}));
}

const Value* AnalysisRun(const Value& view, const std::string& type) {
  const Value* runs = view.Find("analysisRuns");
  if (runs == nullptr || !runs->is_array()) return nullptr;
  const Value* found = nullptr;
  for (const Value& run : runs->as_array()) {
    if (run.StringAt({"metadata", "labels", "rollout-type"}) != type) continue;
    if (run.StringAt({"metadata", "labels", "rollouts-pod-template-hash"}) != CurrentHash(view)) {
      continue;
    }
    found = &run;
  }
  return found;
}

std::vector<const Value*> Measurements(const Value& run) {
  std::vector<const Value*> out;
  const Value* metrics = run.At({"status", "metricResults"});
  if (metrics == nullptr || !metrics->is_array() || metrics->as_array().empty()) return out;
  const Value* measurements = metrics->as_array()[0].Find("measurements");
  if (measurements == nullptr || !measurements->is_array()) return out;
  for (const Value& measurement : measurements->as_array()) out.push_back(&measurement);
  return out;
}

int CountPhase(const std::vector<const Value*>& measurements, const std::string& phase) {
  int count = 0;
  for (const Value* measurement : measurements) {
    count += measurement->StringAt({"phase"}) == phase ? 1 : 0;
  }
  return count;
}

}  // namespace capstan::it
