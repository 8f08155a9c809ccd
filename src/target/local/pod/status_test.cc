#include "target/local/pod/status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/time.h"
#include "core/yaml.h"
#include "health/health.h"

namespace capstan::target::local {
namespace {

using Time = std::chrono::system_clock::time_point;
using health::HealthStatus;

const Time kT0 = *ParseRfc3339("2026-03-01T10:00:00Z");
Time At(int seconds) { return kT0 + std::chrono::seconds(seconds); }

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

Value Load(const std::string& file) {
  auto text = ReadFileBounded("testdata/" + file, 1u << 20);
  EXPECT_TRUE(text.ok());
  return text.ok() ? Yaml(*text) : Value();
}

ContainerState Running(const std::string& id, int started) {
  ContainerState state;
  state.id = id;
  state.state = "running";
  state.image = "registry.local/shop/web:1.4.2";
  state.started_at = At(started);
  return state;
}

ContainerState Exited(const std::string& id, int code, int started, int finished) {
  ContainerState state;
  state.id = id;
  state.state = "exited";
  state.exit_code = code;
  state.started_at = At(started);
  state.finished_at = At(finished);
  return state;
}

ContainerObservation Observed(const std::string& name, std::optional<ContainerState> current,
                              bool ready = true) {
  ContainerObservation observation;
  observation.name = name;
  observation.current = std::move(current);
  observation.ready = ready;
  observation.started = true;
  return observation;
}

// A running pod: web ready, sidecar running, the init container done.
PodStatusInput RunningWeb() {
  PodStatusInput input;
  input.init_containers.push_back(Observed("migrate", Exited("m1", 0, 2, 4)));
  input.containers.push_back(Observed("web", Running("w1", 5)));
  input.containers.push_back(Observed("sidecar", Running("s1", 5)));
  input.pod_ip = "10.88.0.5";
  input.sandbox_ready = true;
  input.start_time = At(0);
  input.now = At(30);
  return input;
}

// The pod with its new status, as the local target stores it.
Value WithStatus(Value pod, const PodStatusInput& input) {
  Value status = ComposePodStatus(pod, input);
  pod.Set("status", std::move(status));
  return pod;
}

std::string ConditionField(const Value& pod, std::string_view type, std::string_view field) {
  const Value* conditions = pod.At({"status", "conditions"});
  for (const Value& condition : conditions->as_array()) {
    if (condition.StringAt({"type"}) == type) return std::string(condition.StringAt({field}));
  }
  return "<none>";
}

TEST(ComposePodStatus, RunningAndReadyAsTheKubeletWritesIt) {
  Value pod = WithStatus(Load("pod-web.yaml"), RunningWeb());
  Value want = Yaml(R"(
phase: Running
conditions:
- {type: PodReadyToStartContainers, status: "True", lastProbeTime: null, lastTransitionTime: "2026-03-01T10:00:30Z"}
- {type: Initialized, status: "True", lastProbeTime: null, lastTransitionTime: "2026-03-01T10:00:30Z"}
- {type: Ready, status: "True", lastProbeTime: null, lastTransitionTime: "2026-03-01T10:00:30Z"}
- {type: ContainersReady, status: "True", lastProbeTime: null, lastTransitionTime: "2026-03-01T10:00:30Z"}
- {type: PodScheduled, status: "True", lastProbeTime: null, lastTransitionTime: "2026-03-01T10:00:30Z"}
hostIP: 127.0.0.1
hostIPs: [{ip: 127.0.0.1}]
podIP: 10.88.0.5
podIPs: [{ip: 10.88.0.5}]
startTime: "2026-03-01T10:00:00Z"
initContainerStatuses:
- name: migrate
  state:
    terminated: {exitCode: 0, reason: Completed, startedAt: "2026-03-01T10:00:02Z", finishedAt: "2026-03-01T10:00:04Z", containerID: podman://m1}
  lastState: {}
  ready: true
  restartCount: 0
  image: registry.local/shop/web:1.4.2
  imageID: ""
  containerID: podman://m1
  started: false
containerStatuses:
- name: sidecar
  state: {running: {startedAt: "2026-03-01T10:00:05Z"}}
  lastState: {}
  ready: true
  restartCount: 0
  image: registry.local/shop/web:1.4.2
  imageID: ""
  containerID: podman://s1
  started: true
- name: web
  state: {running: {startedAt: "2026-03-01T10:00:05Z"}}
  lastState: {}
  ready: true
  restartCount: 0
  image: registry.local/shop/web:1.4.2
  imageID: ""
  containerID: podman://w1
  started: true
qosClass: Burstable
)");
  EXPECT_EQ(*pod.Find("status"), want) << EmitYaml(*pod.Find("status"));
  EXPECT_EQ(health::AssessHealth(pod)->status, HealthStatus::kHealthy);
}

TEST(ComposePodStatus, PhasesConditionsAndHealth) {
  const Value web = Load("pod-web.yaml");
  const Value job = Yaml(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: job, namespace: shop, uid: j1}\nspec:\n"
      "  restartPolicy: Never\n  initContainers: [{name: fetch, image: fetch:1}]\n"
      "  containers: [{name: job, image: job:1}]\n");
  struct Case {
    std::string name;
    const Value* pod;
    std::function<void(PodStatusInput&)> change;
    std::string phase;
    std::string ready;        // the Ready condition: "True", or "False/<reason>/<message>"
    std::string initialized;  // likewise
    HealthStatus health;
    std::string health_message;
  };
  const std::vector<Case> cases = {
      {"running and ready", &web, [](PodStatusInput&) {}, "Running", "True", "True",
       HealthStatus::kHealthy, ""},
      {"readiness failing", &web, [](PodStatusInput& in) { in.containers[0].ready = false; },
       "Running", "False/ContainersNotReady/containers with unready status: [web]", "True",
       HealthStatus::kProgressing, ""},
      {"not started yet (startup probe)", &web,
       [](PodStatusInput& in) { in.containers[0].started = false; }, "Running",
       "False/ContainersNotReady/containers with unready status: [web]", "True",
       HealthStatus::kProgressing, ""},
      {"crash loop", &web,
       [](PodStatusInput& in) {
         ContainerObservation& c = in.containers[0];
         c.previous = Exited("w2", 1, 6, 8);
         c.current = Exited("w3", 1, 20, 22);
         c.restart_count = 3;
         c.waiting = WaitingState{kReasonCrashLoopBackOff,
                                  "back-off 40s restarting failed container=web "
                                  "pod=web-7d9f_shop(5f0c1a2e-0000-4000-8000-000000000001)"};
       },
       "Running", "False/ContainersNotReady/containers with unready status: [web]", "True",
       HealthStatus::kDegraded,
       "back-off 40s restarting failed container=web "
       "pod=web-7d9f_shop(5f0c1a2e-0000-4000-8000-000000000001)"},
      {"missing configmap", &web,
       [](PodStatusInput& in) {
         in.containers[0].current.reset();
         in.containers[0].waiting =
             WaitingState{kReasonCreateContainerConfigError, "configmap \"app\" not found"};
       },
       "Pending", "False/ContainersNotReady/containers with unready status: [web]", "True",
       HealthStatus::kDegraded, "configmap \"app\" not found"},
      {"image pull failing", &web,
       [](PodStatusInput& in) {
         in.containers[1].current.reset();
         in.containers[1].waiting =
             WaitingState{kReasonImagePullBackOff, "Back-off pulling image \"busybox\""};
       },
       "Pending", "False/ContainersNotReady/containers with unready status: [sidecar]", "True",
       HealthStatus::kDegraded, "Back-off pulling image \"busybox\""},
      {"init container running", &web,
       [](PodStatusInput& in) {
         in.init_containers[0].current = Running("m1", 2);
         in.containers.clear();
       },
       "Pending", "False/ContainersNotReady/containers with unready status: [web sidecar]",
       "False/ContainersNotInitialized/containers with incomplete status: [migrate]",
       HealthStatus::kProgressing, ""},
      {"nothing created yet", &web,
       [](PodStatusInput& in) { in = PodStatusInput{{}, {}, "", false, At(0), At(1)}; }, "Pending",
       "False/ContainersNotReady/containers with unready status: [web sidecar]",
       "False/ContainersNotInitialized/containers with incomplete status: [migrate]",
       HealthStatus::kProgressing, ""},
      {"job succeeded", &job,
       [](PodStatusInput& in) {
         in.init_containers = {Observed("fetch", Exited("f1", 0, 1, 2))};
         in.containers = {Observed("job", Exited("j1", 0, 3, 9))};
       },
       "Succeeded", "False/PodCompleted/", "True/PodCompleted/", HealthStatus::kHealthy, ""},
      {"job failed", &job,
       [](PodStatusInput& in) {
         in.init_containers = {Observed("fetch", Exited("f1", 0, 1, 2))};
         in.containers = {Observed("job", Exited("j1", 2, 3, 9))};
       },
       "Failed", "False/PodFailed/", "True", HealthStatus::kDegraded,
       "container \"job\" failed with exit code 2"},
      {"job init container failed", &job,
       [](PodStatusInput& in) {
         in.init_containers = {Observed("fetch", Exited("f1", 7, 1, 2))};
         in.containers.clear();
       },
       "Failed", "False/PodFailed/",
       "False/ContainersNotInitialized/containers with incomplete status: [fetch]",
       HealthStatus::kDegraded, "container \"fetch\" failed with exit code 7"},
      {"job running", &job,
       [](PodStatusInput& in) {
         in.init_containers = {Observed("fetch", Exited("f1", 0, 1, 2))};
         in.containers = {Observed("job", Running("j1", 3))};
       },
       "Running", "True", "True", HealthStatus::kProgressing, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PodStatusInput input = RunningWeb();
    c.change(input);
    Value pod = WithStatus(*c.pod, input);
    EXPECT_EQ(pod.StringAt({"status", "phase"}), c.phase);
    auto condition = [&](std::string_view type) {
      std::string status = ConditionField(pod, type, "status");
      if (status == "True" && ConditionField(pod, type, "reason").empty()) return status;
      return status + "/" + ConditionField(pod, type, "reason") + "/" +
             ConditionField(pod, type, "message");
    };
    EXPECT_EQ(condition("Ready"), c.ready);
    EXPECT_EQ(condition("Initialized"), c.initialized);
    std::optional<health::Health> health = health::AssessHealth(pod);
    ASSERT_TRUE(health.has_value());
    EXPECT_EQ(health->status, c.health) << EmitYaml(pod);
    EXPECT_EQ(health->message, c.health_message);
  }
}

TEST(ComposePodStatus, ContainerStatesAsTheKubeletWritesThem) {
  const Value pod = Yaml(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n"
      "  - {name: app, image: app:1}\n");
  struct Case {
    std::string name;
    ContainerObservation observation;
    std::string state;       // YAML of state
    std::string last_state;  // YAML of lastState
  };
  ContainerObservation crash = Observed("app", Exited("c2", 137, 10, 20));
  crash.previous = Exited("c1", 1, 1, 5);
  crash.waiting = WaitingState{kReasonCrashLoopBackOff, "back-off 10s restarting failed"};
  ContainerObservation oom = Observed("app", Exited("c1", 137, 1, 5));
  oom.current->oom_killed = true;
  ContainerState not_startable;
  not_startable.id = "c1";
  not_startable.state = "created";
  not_startable.error = "executable file `/app` not found in $PATH";
  ContainerObservation restarted = Observed("app", Running("c2", 30));
  restarted.previous = Exited("c1", 143, 1, 29);
  ContainerState created;
  created.id = "c1";
  created.state = "created";
  ContainerObservation none;
  none.name = "app";
  const std::vector<Case> cases = {
      {"none yet", none, "{waiting: {reason: ContainerCreating}}", "{}"},
      {"created, not started", Observed("app", created), "{waiting: {}}", "{}"},
      {"crash loop", crash,
       "{waiting: {reason: CrashLoopBackOff, message: back-off 10s restarting failed}}",
       "{terminated: {exitCode: 137, reason: Error, startedAt: '2026-03-01T10:00:10Z', "
       "finishedAt: '2026-03-01T10:00:20Z', containerID: podman://c2}}"},
      {"oom killed", oom,
       "{terminated: {exitCode: 137, reason: OOMKilled, startedAt: '2026-03-01T10:00:01Z', "
       "finishedAt: '2026-03-01T10:00:05Z', containerID: podman://c1}}",
       "{}"},
      {"could not start", Observed("app", not_startable),
       "{terminated: {exitCode: 128, reason: StartError, message: 'executable file `/app` not "
       "found in $PATH', startedAt: null, finishedAt: null, containerID: podman://c1}}",
       "{}"},
      {"running after a restart", restarted, "{running: {startedAt: '2026-03-01T10:00:30Z'}}",
       "{terminated: {exitCode: 143, reason: Error, startedAt: '2026-03-01T10:00:01Z', "
       "finishedAt: '2026-03-01T10:00:29Z', containerID: podman://c1}}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PodStatusInput input;
    input.containers = {c.observation};
    input.now = At(40);
    Value status = ComposePodStatus(pod, input);
    const Value& container = status.At({"containerStatuses"})->as_array()[0];
    EXPECT_EQ(*container.Find("state"), Yaml(c.state)) << EmitYaml(container);
    EXPECT_EQ(*container.Find("lastState"), Yaml(c.last_state)) << EmitYaml(container);
  }
}

TEST(ComposePodStatus, TransitionTimesAndTerminalPhasesPersist) {
  Value pod = WithStatus(Load("pod-web.yaml"), RunningWeb());
  EXPECT_EQ(ConditionField(pod, "Ready", "lastTransitionTime"), "2026-03-01T10:00:30Z");
  // Still ready a minute later: the transition time stays.
  PodStatusInput later = RunningWeb();
  later.now = At(90);
  pod = WithStatus(pod, later);
  EXPECT_EQ(ConditionField(pod, "Ready", "lastTransitionTime"), "2026-03-01T10:00:30Z");
  EXPECT_EQ(pod.StringAt({"status", "startTime"}), "2026-03-01T10:00:00Z");
  // Readiness lost: a new transition.
  PodStatusInput unready = RunningWeb();
  unready.containers[0].ready = false;
  unready.now = At(120);
  unready.start_time.reset();  // the pod's own startTime is kept
  pod = WithStatus(pod, unready);
  EXPECT_EQ(ConditionField(pod, "Ready", "status"), "False");
  EXPECT_EQ(ConditionField(pod, "Ready", "lastTransitionTime"), "2026-03-01T10:02:00Z");
  EXPECT_EQ(ConditionField(pod, "PodScheduled", "lastTransitionTime"), "2026-03-01T10:00:30Z");
  EXPECT_EQ(pod.StringAt({"status", "startTime"}), "2026-03-01T10:00:00Z");

  // A pod that succeeded never runs again, whatever podman shows later.
  Value job = Yaml(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: job, namespace: shop}\nspec:\n"
      "  restartPolicy: OnFailure\n  containers: [{name: job, image: job:1}]\n");
  PodStatusInput done;
  done.containers = {Observed("job", Exited("j1", 0, 1, 5))};
  done.now = At(10);
  job = WithStatus(job, done);
  EXPECT_EQ(job.StringAt({"status", "phase"}), "Succeeded");
  PodStatusInput again;
  again.containers = {Observed("job", Running("j2", 20))};
  again.now = At(30);
  job = WithStatus(job, again);
  EXPECT_EQ(job.StringAt({"status", "phase"}), "Succeeded");
}

}  // namespace
}  // namespace capstan::target::local
