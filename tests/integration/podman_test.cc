// The local target's container engine against real podman: pods get addresses the host can
// reach, containers see their environment and mounts, memory limits end in OOMKilled, stops
// are graceful (SIGTERM, then SIGKILL after the grace period), exec and logs pass through,
// images come only from loopback registries, and RemoveAll leaves nothing behind. Every
// container runs the demo app's image (examples/demo/app, scripts/demo-image.sh).
#include "target/local/podman/podman.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "support/podman_env.h"
#include "support/run.h"

namespace capstan::target::local {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const char kImageV1[] = "localhost/capstan-demo:v1";
const char kImageV2[] = "localhost/capstan-demo:v2";

struct Http {
  int status = 0;    // 0: no answer
  std::string body;  // without its last newline
};

// GET with curl (no keep-alive between calls; each is its own connection).
Http Get(const std::string& url, int timeout_seconds = 10) {
  it::RunOutput run = it::RunProgram(
      {"curl", "-s", "-m", std::to_string(timeout_seconds), "-w", "\n%{http_code}", url});
  Http http;
  size_t last = run.out.rfind('\n');
  if (last == std::string::npos) return http;
  http.status = std::atoi(run.out.c_str() + last + 1);
  http.body = run.out.substr(0, last);
  if (!http.body.empty() && http.body.back() == '\n') http.body.pop_back();  // the app's newline
  return http;
}

// Polls `done` every 100 ms until it holds or `limit` passes.
bool WaitFor(const std::function<bool()>& done, milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return true;
}

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string RandomSuffix() {
  std::random_device random;
  return std::to_string(::getpid()) + "-" + std::to_string(random() % 100000);
}

class PodmanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new it::TempDir();
    it::PodmanEnvOptions options;
    options.registry = true;
    env_ = new it::PodmanEnv(dir_->path() / "podman", options);
    PodmanOptions podman_options;
    podman_options.env = env_->env();
    podman_ = new Podman(podman_options);
    instance_ = "podman-test-" + RandomSuffix();
  }

  static void TearDownTestSuite() {
    if (env_->ready()) {
      Status removed = podman_->RemoveAll({{kManagedLabel, instance_}});
      EXPECT_TRUE(removed.ok()) << removed.error().message();
    }
    delete podman_;
    delete env_;
    delete dir_;
  }

  void SetUp() override { ASSERT_TRUE(env_->ready()) << env_->error(); }

  // Labels every pod and container of this test binary carries.
  static std::map<std::string, std::string> Managed() { return {{kManagedLabel, instance_}}; }

  // A pod named after the test, with its address.
  PodState NewPod(const std::string& suffix = "") {
    std::string name =
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + suffix;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto pod = podman_->CreatePod(name, Managed());
    EXPECT_TRUE(pod.ok()) << pod.error().message();
    return pod.ok() ? *pod : PodState{};
  }

  ContainerSpec DemoSpec(const PodState& pod, const std::string& name) {
    ContainerSpec spec;
    spec.name = pod.name + "-" + name;
    spec.pod = pod.name;
    spec.image = kImageV1;
    spec.labels = Managed();
    spec.env = {{"POD_NAME", pod.name}};
    return spec;
  }

  // Waits until the demo app in `pod` answers /healthz.
  static bool Serving(const PodState& pod, int port = 8080) {
    return WaitFor(
        [&] {
          return Get("http://" + pod.ip + ":" + std::to_string(port) + "/healthz", 2).status == 200;
        },
        seconds(10));
  }

  static ContainerState WaitExited(const std::string& name, milliseconds limit = seconds(15)) {
    ContainerState state;
    WaitFor(
        [&] {
          auto inspected = podman_->InspectContainer(name);
          if (!inspected.ok()) return false;
          state = *inspected;
          return state.state == "exited";
        },
        limit);
    return state;
  }

  static it::TempDir* dir_;
  static it::PodmanEnv* env_;
  static Podman* podman_;
  static std::string instance_;
};

it::TempDir* PodmanTest::dir_ = nullptr;
it::PodmanEnv* PodmanTest::env_ = nullptr;
Podman* PodmanTest::podman_ = nullptr;
std::string PodmanTest::instance_;

TEST_F(PodmanTest, PodAnswersOnItsAddressWithEnvMountsAndLabels) {
  it::TempDir config;
  config.Write("greeting", "hello from a ConfigMap\n");
  PodState pod = NewPod();
  ASSERT_FALSE(pod.ip.empty());
  EXPECT_EQ(pod.labels.at(kManagedLabel), instance_);

  ContainerSpec spec = DemoSpec(pod, "app");
  spec.env.push_back({"GREETING", "a=b c"});
  spec.mounts = {{config.path().string(), "/etc/config", true}};
  spec.labels["app"] = "web";
  spec.memory_limit_bytes = 64 << 20;
  spec.cpu_limit_millis = 500;
  auto id = podman_->RunContainer(spec);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(id->size(), 64u);
  ASSERT_TRUE(Serving(pod));

  std::string base = "http://" + pod.ip + ":8080";
  Http hello = Get(base + "/");
  EXPECT_EQ(hello.status, 200);
  EXPECT_EQ(hello.body, "hello from demo v1 (pod " + pod.name + ")");
  EXPECT_EQ(Get(base + "/env?name=GREETING").body, "a=b c");
  EXPECT_EQ(Get(base + "/file?path=/etc/config/greeting").body, "hello from a ConfigMap");
  EXPECT_EQ(Get(base + "/version").body, "v1");

  // The mount is read-only; the container's own file system is not.
  Http refused = Get(base + "/write?path=/etc/config/new");
  EXPECT_EQ(refused.status, 500);
  EXPECT_NE(refused.body.find("Read-only file system"), std::string::npos) << refused.body;
  EXPECT_EQ(Get(base + "/write?path=/scratch").status, 200);

  auto listed = podman_->ListContainers({{kManagedLabel, instance_}, {"app", "web"}});
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().name, spec.name);
  EXPECT_EQ(listed->front().pod, pod.name);
  EXPECT_EQ(listed->front().state, "running");
  EXPECT_EQ(listed->front().image, kImageV1);
  EXPECT_TRUE(listed->front().started_at.has_value());

  auto inspected = podman_->InspectContainer(spec.name);
  ASSERT_TRUE(inspected.ok()) << inspected.error().message();
  EXPECT_EQ(inspected->pod, pod.name);
  EXPECT_EQ(inspected->state, "running");
  EXPECT_FALSE(inspected->oom_killed);

  auto pods = podman_->ListPods(Managed());
  ASSERT_TRUE(pods.ok()) << pods.error().message();
  bool found = false;
  for (const PodState& listed_pod : *pods) {
    if (listed_pod.name == pod.name) {
      found = true;
      EXPECT_EQ(listed_pod.ip, pod.ip);
    }
  }
  EXPECT_TRUE(found);

  auto logs = podman_->Logs(spec.name, 1 << 20);
  ASSERT_TRUE(logs.ok()) << logs.error().message();
  EXPECT_NE(logs->find("demo v1 listening on :8080 (pod " + pod.name + ")"), std::string::npos)
      << *logs;
  EXPECT_NE(logs->find("GET /env?name=GREETING 200"), std::string::npos) << *logs;
  auto tail = podman_->Logs(spec.name, 40);
  ASSERT_TRUE(tail.ok());
  EXPECT_LE(tail->size(), 40u);
  EXPECT_EQ(tail->back(), '\n');
}

TEST_F(PodmanTest, SecondVersionFromTheSameBinary) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  spec.image = kImageV2;
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  EXPECT_EQ(Get("http://" + pod.ip + ":8080/").body, "hello from demo v2 (pod " + pod.name + ")");
}

TEST_F(PodmanTest, CommandReplacesTheEntrypointAndArgsFollowIt) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "job");
  spec.command = {"/demo-app", "--version=v7"};
  spec.args = {"--job-seconds=0", "--exit-code=3"};
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ContainerState state = WaitExited(spec.name);
  EXPECT_EQ(state.state, "exited");
  EXPECT_EQ(state.exit_code, 3);
  EXPECT_FALSE(state.oom_killed);
  ASSERT_TRUE(state.started_at && state.finished_at);
  // A container that exits at once can be recorded by podman 4.3 as finished a moment before
  // it started (seen in CI: the two stamps come from different processes); allow a second.
  EXPECT_LE(*state.started_at, *state.finished_at + std::chrono::seconds(1));
  auto logs = podman_->Logs(spec.name, 4096);
  ASSERT_TRUE(logs.ok());
  EXPECT_NE(logs->find("demo v7 job finished, exit 3"), std::string::npos) << *logs;

  // A restart keeps the container (and appends to its log).
  ASSERT_TRUE(podman_->StartContainer(spec.name).ok());
  EXPECT_EQ(WaitExited(spec.name).exit_code, 3);
}

TEST_F(PodmanTest, MemoryLimitEndsInOomKilled) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  spec.memory_limit_bytes = 48 << 20;
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  Http alloc = Get("http://" + pod.ip + ":8080/alloc?mb=100", 10);
  EXPECT_EQ(alloc.status, 0) << "answered: " << alloc.body;
  ContainerState state = WaitExited(spec.name);
  EXPECT_EQ(state.state, "exited");
  EXPECT_EQ(state.exit_code, 137);
  EXPECT_TRUE(state.oom_killed);
}

TEST_F(PodmanTest, StopIsGracefulAndFinishesRequestsInFlight) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  Http slow;
  std::thread client([&] { slow = Get("http://" + pod.ip + ":8080/slow?ms=1500"); });
  std::this_thread::sleep_for(milliseconds(300));
  auto start = Clock::now();
  Status stopped = podman_->StopContainer(spec.name, seconds(20));
  double took = MillisSince(start);
  client.join();
  ASSERT_TRUE(stopped.ok()) << stopped.error().message();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "slept 1500 ms");
  EXPECT_LT(took, 5000) << "the app should exit once the request is done, not at the grace end";
  std::cout << "[ measure ] graceful stop with a 1.2 s request left: " << took << " ms\n";
  auto state = podman_->InspectContainer(spec.name);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->state, "exited");
  EXPECT_EQ(state->exit_code, 0);
  auto logs = podman_->Logs(spec.name, 4096);
  ASSERT_TRUE(logs.ok());
  EXPECT_NE(logs->find("received Terminated, draining"), std::string::npos) << *logs;
  EXPECT_NE(logs->find("demo v1 stopped"), std::string::npos) << *logs;
}

TEST_F(PodmanTest, AppAsPidOneHandlesSigtermWithoutInit) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  spec.init = false;
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  auto start = Clock::now();
  ASSERT_TRUE(podman_->StopContainer(spec.name, seconds(20)).ok());
  EXPECT_LT(MillisSince(start), 3000);
  auto state = podman_->InspectContainer(spec.name);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->exit_code, 0);
}

TEST_F(PodmanTest, ProgramIgnoringSigtermIsKilledAfterTheGracePeriod) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  spec.args = {"--ignore-sigterm"};
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  auto start = Clock::now();
  ASSERT_TRUE(podman_->StopContainer(spec.name, seconds(2)).ok());
  double took = MillisSince(start);
  EXPECT_GE(took, 1900);
  EXPECT_LT(took, 6000);
  auto state = podman_->InspectContainer(spec.name);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->state, "exited");
  EXPECT_EQ(state->exit_code, 137);
  EXPECT_FALSE(state->oom_killed);
}

TEST_F(PodmanTest, ExecReturnsExitCodeAndOutput) {
  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));

  auto job =
      podman_->Exec(spec.name, {"/demo-app", "--job-seconds=0", "--exit-code=4"}, seconds(10));
  ASSERT_TRUE(job.ok()) << job.error().message();
  EXPECT_EQ(job->exit_code, 4);
  EXPECT_NE(job->stdout_data.find("job finished, exit 4"), std::string::npos) << job->stdout_data;

  auto missing = podman_->Exec(spec.name, {"/no/such/program"}, seconds(10));
  ASSERT_TRUE(missing.ok()) << missing.error().message();
  EXPECT_EQ(missing->exit_code, 127);

  auto start = Clock::now();
  auto slow = podman_->Exec(spec.name, {"/demo-app", "--job-seconds=30"}, milliseconds(800));
  ASSERT_TRUE(slow.ok()) << slow.error().message();
  EXPECT_EQ(slow->signal, SIGKILL);
  EXPECT_EQ(slow->exit_code, -1);
  EXPECT_LT(MillisSince(start), 5000);

  auto nowhere = podman_->Exec("no-such-container", {"/demo-app"}, seconds(10));
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(nowhere.error().message().find("\"no-such-container\""), std::string::npos);
}

TEST_F(PodmanTest, ErrorsNameWhatFailed) {
  PodState pod = NewPod();
  auto again = podman_->CreatePod(pod.name, Managed());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict) << again.error().message();
  EXPECT_NE(again.error().message().find("create pod \"" + pod.name + "\""), std::string::npos)
      << again.error().message();

  ContainerSpec spec = DemoSpec(pod, "app");
  spec.image = "localhost/no-such-image:v1";
  auto created = podman_->CreateContainer(spec);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kNotFound) << created.error().message();
  EXPECT_NE(created.error().message().find(spec.name), std::string::npos);

  // A command that does not exist: without init, start fails with the runtime's reason and
  // the container stays; with init, catatonit starts and the container exits 127 at once.
  spec = DemoSpec(pod, "broken");
  spec.command = {"/no/such/entrypoint"};
  spec.init = false;
  auto broken = podman_->RunContainer(spec);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message().find("start container \"" + spec.name + "\""),
            std::string::npos)
      << broken.error().message();
  EXPECT_NE(broken.error().message().find("/no/such/entrypoint"), std::string::npos)
      << broken.error().message();
  auto left = podman_->InspectContainer(spec.name);
  ASSERT_TRUE(left.ok()) << left.error().message();
  EXPECT_NE(left->state, "running");

  spec = DemoSpec(pod, "broken-init");
  spec.command = {"/no/such/entrypoint"};
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ContainerState exited = WaitExited(spec.name);
  EXPECT_EQ(exited.state, "exited");
  EXPECT_NE(exited.exit_code, 0);
  std::cout << "[ measure ] missing entrypoint under init exits " << exited.exit_code << "\n";

  auto stop = podman_->StopContainer("no-such-container", seconds(1));
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(podman_->RemoveContainer("no-such-container").ok());
  EXPECT_TRUE(podman_->RemovePod("no-such-pod").ok());
  auto inspect = podman_->InspectContainer("no-such-container");
  ASSERT_FALSE(inspect.ok());
  EXPECT_EQ(inspect.error().code(), ErrorCode::kNotFound);
}

TEST_F(PodmanTest, ImagesComeOnlyFromLoopbackRegistries) {
  auto local = podman_->ImageExists(kImageV1);
  ASSERT_TRUE(local.ok()) << local.error().message();
  EXPECT_TRUE(*local);

  const std::string remote = "docker.io/library/busybox:latest";
  auto exists = podman_->ImageExists(remote);
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
  Status pulled = podman_->PullImage(remote);
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(pulled.error().message(),
            "image docker.io/library/busybox:latest is not in podman's local storage and capstan "
            "pulls only from registries on loopback (its registry is docker.io); build it with "
            "buildah or push it to 127.0.0.1:PORT");
  EXPECT_FALSE(podman_->PullImage("busybox").ok());
  EXPECT_FALSE(podman_->PullImage("quay.io/prometheus/prometheus:v2.42.0").ok());
  Status local_name = podman_->PullImage("localhost/no-such-image:v1");
  ASSERT_FALSE(local_name.ok());
  EXPECT_EQ(local_name.error().code(), ErrorCode::kNotFound);

  // scripts/demo-image.sh pushed both versions to the loopback registry.
  ASSERT_FALSE(env_->registry().empty());
  const std::string pushed = env_->registry() + "/capstan-demo:v2";
  auto before = podman_->ImageExists(pushed);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  auto start = Clock::now();
  Status pull = podman_->PullImage(pushed);
  ASSERT_TRUE(pull.ok()) << pull.error().message();
  std::cout << "[ measure ] pull from the loopback registry: " << MillisSince(start) << " ms\n";
  auto after = podman_->ImageExists(pushed);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);

  PodState pod = NewPod();
  ContainerSpec spec = DemoSpec(pod, "app");
  spec.image = pushed;
  ASSERT_TRUE(podman_->RunContainer(spec).ok());
  ASSERT_TRUE(Serving(pod));
  EXPECT_EQ(Get("http://" + pod.ip + ":8080/").body, "hello from demo v2 (pod " + pod.name + ")");

  Status missing = podman_->PullImage(env_->registry() + "/capstan-demo:v9");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("pull image \"" + env_->registry()), std::string::npos)
      << missing.error().message();
}

TEST_F(PodmanTest, RemoveAllLeavesNothingWithTheLabel) {
  std::map<std::string, std::string> selector = {{kManagedLabel, "remove-all-" + RandomSuffix()}};
  auto pod = podman_->CreatePod("removeall-" + RandomSuffix(), selector);
  ASSERT_TRUE(pod.ok()) << pod.error().message();
  ContainerSpec in_pod = DemoSpec(*pod, "app");
  in_pod.labels = selector;
  ASSERT_TRUE(podman_->RunContainer(in_pod).ok());
  ContainerSpec alone;
  alone.name = "removeall-alone-" + RandomSuffix();
  alone.image = kImageV1;
  alone.labels = selector;
  alone.args = {"--job-seconds=60"};
  ASSERT_TRUE(podman_->RunContainer(alone).ok());
  // Another label's containers stay.
  PodState keep = NewPod();
  ASSERT_TRUE(podman_->RunContainer(DemoSpec(keep, "app")).ok());

  auto listed = podman_->ListContainers(selector);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);

  EXPECT_EQ(podman_->RemoveAll({}).error().code(), ErrorCode::kInvalid);
  auto start = Clock::now();
  Status removed = podman_->RemoveAll(selector);
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  std::cout << "[ measure ] RemoveAll of a pod and two containers: " << MillisSince(start)
            << " ms\n";
  auto containers = podman_->ListContainers(selector);
  ASSERT_TRUE(containers.ok());
  EXPECT_TRUE(containers->empty());
  auto pods = podman_->ListPods(selector);
  ASSERT_TRUE(pods.ok());
  EXPECT_TRUE(pods->empty());
  auto kept = podman_->InspectContainer(keep.name + "-app");
  ASSERT_TRUE(kept.ok()) << kept.error().message();
  EXPECT_EQ(kept->state, "running");
  EXPECT_TRUE(podman_->RemoveAll(selector).ok());  // nothing left is fine
}

// Not a pass/fail check beyond generous bounds: prints what each podman call costs here
// (docs/decisions/0009-podman-cli.md quotes them).
TEST_F(PodmanTest, CallLatencies) {
  auto time = [](const char* what, int times, const std::function<void()>& call) {
    auto start = Clock::now();
    for (int i = 0; i < times; ++i) call();
    double each = MillisSince(start) / times;
    std::cout << "[ measure ] " << what << ": " << each << " ms\n";
    return each;
  };
  std::string name = "latency-" + RandomSuffix();
  double create_pod = time("CreatePod (create, start, inspect)", 1, [&] {
    auto pod = podman_->CreatePod(name, Managed());
    ASSERT_TRUE(pod.ok()) << pod.error().message();
  });
  ContainerSpec spec;
  spec.name = name + "-app";
  spec.pod = name;
  spec.image = kImageV1;
  spec.labels = Managed();
  time("CreateContainer", 1, [&] { ASSERT_TRUE(podman_->CreateContainer(spec).ok()); });
  time("StartContainer (inspect, start)", 1,
       [&] { ASSERT_TRUE(podman_->StartContainer(spec.name).ok()); });
  double list =
      time("ListContainers", 10, [&] { ASSERT_TRUE(podman_->ListContainers(Managed()).ok()); });
  time("ListPods", 5, [&] { ASSERT_TRUE(podman_->ListPods(Managed()).ok()); });
  time("InspectContainer", 5, [&] { ASSERT_TRUE(podman_->InspectContainer(spec.name).ok()); });
  time("Exec", 3, [&] {
    ASSERT_TRUE(podman_->Exec(spec.name, {"/demo-app", "--job-seconds=0"}, seconds(10)).ok());
  });
  time("Logs", 3, [&] { ASSERT_TRUE(podman_->Logs(spec.name, 4096).ok()); });
  time("StopContainer", 1,
       [&] { ASSERT_TRUE(podman_->StopContainer(spec.name, seconds(10)).ok()); });
  time("RemovePod", 1, [&] { ASSERT_TRUE(podman_->RemovePod(name).ok()); });
  EXPECT_LT(list, 1000);
  EXPECT_LT(create_pod, 5000);
}

}  // namespace
}  // namespace capstan::target::local
