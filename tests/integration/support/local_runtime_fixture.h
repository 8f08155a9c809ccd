// The fixture of the local target's end-to-end tests: one LocalRuntime per test binary
// (shared by its tests, each working in a namespace of its own) over a private podman
// environment with the demo images, and helpers to apply YAML, read statuses, wait with a
// bound, describe everything in a namespace (statuses as YAML and `podman logs`) when a test
// fails, and talk HTTP to Services, Ingresses and pods. Header-only, for
// local_runtime_test.cc and local_traffic_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/label_selector.h"
#include "core/object.h"
#include "core/yaml.h"
#include "store/store.h"
#include "support/http_client.h"
#include "support/podman_env.h"
#include "support/run.h"
#include "target/local/pod/pod_spec.h"
#include "target/local/runtime.h"

namespace capstan::it {

using namespace std::chrono_literals;
using target::local::LocalRuntime;
using target::local::Podman;
using target::local::RuntimeOptions;

inline constexpr char kDemoV1[] = "localhost/capstan-demo:v1";
inline constexpr char kDemoV2[] = "localhost/capstan-demo:v2";
// The demo app's port in every pod.
inline constexpr int kAppPort = 8080;

// Replaces every ${NAME} in `text`.
inline std::string Fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    std::string key = "${" + name + "}";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return text;
}

// Polls `done` every 100 ms until it holds or `limit` passes.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

inline const Value* FindCondition(const Value& object, std::string_view type) {
  const Value* conditions = object.At({"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const Value& condition : conditions->as_array()) {
    if (condition.StringAt({"type"}) == type) return &condition;
  }
  return nullptr;
}

inline bool ConditionIs(const Value& object, std::string_view type, std::string_view status) {
  const Value* condition = FindCondition(object, type);
  return condition != nullptr && condition->StringAt({"status"}) == status;
}

inline bool PodReady(const Value& pod) {
  return pod.At({"metadata", "deletionTimestamp"}) == nullptr && ConditionIs(pod, "Ready", "True");
}

// status.containerStatuses[] of `container` (initContainerStatuses when `init`).
inline const Value* ContainerStatus(const Value& pod, std::string_view container,
                                    bool init = false) {
  const Value* statuses = pod.At({"status", init ? "initContainerStatuses" : "containerStatuses"});
  if (statuses == nullptr || !statuses->is_array()) return nullptr;
  for (const Value& status : statuses->as_array()) {
    if (status.StringAt({"name"}) == container) return &status;
  }
  return nullptr;
}

inline int64_t IntAt(const Value& object, Value::Path path, int64_t fallback = 0) {
  const Value* value = object.At(path);
  return value != nullptr && value->is_int() ? value->as_int() : fallback;
}

inline int64_t RestartCount(const Value& pod, std::string_view container = "web") {
  const Value* status = ContainerStatus(pod, container);
  return status == nullptr ? 0 : IntAt(*status, {"restartCount"});
}

// A Deployment of the demo app labelled app=NAME, its pods also version=<the image's tag>
// (the proxy's metrics count by it). Its container is "web", POD_NAME comes
// from the pod's name (so answers say which pod served them), and readiness is /ready every
// second.
struct DemoDeployment {
  std::string name = "web";
  int replicas = 1;
  std::string image = kDemoV1;
  std::vector<std::string> args;
  // YAML of spec.strategy's fields at 4 spaces ("    type: Recreate\n"); empty: default.
  std::string strategy;
  int grace_seconds = 5;
  // YAML at the container's field indentation (10 spaces), replacing the readiness probe.
  std::optional<std::string> probes;

  std::string Yaml() const {
    std::string args_yaml = "[";
    for (size_t i = 0; i < args.size(); ++i) args_yaml += (i ? ", \"" : "\"") + args[i] + "\"";
    args_yaml += "]";
    std::string text = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${NAME}
spec:
  replicas: ${REPLICAS}
  selector:
    matchLabels:
      app: ${NAME}
)";
    if (!strategy.empty()) text += "  strategy:\n" + strategy;
    text += R"(  template:
    metadata:
      labels:
        app: ${NAME}
        version: ${VERSION}
    spec:
      terminationGracePeriodSeconds: ${GRACE}
      containers:
        - name: web
          image: ${IMAGE}
          args: ${ARGS}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          ports:
            - name: http
              containerPort: 8080
)";
    text += probes.value_or(R"(          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 1
)");
    return Fill(text, {{"NAME", name},
                       {"REPLICAS", std::to_string(replicas)},
                       {"IMAGE", image},
                       {"VERSION", image.substr(image.rfind(':') + 1)},
                       {"ARGS", args_yaml},
                       {"GRACE", std::to_string(grace_seconds)}});
  }
};

// A Service NAME on port 80 to the pods labelled app=APP, port http.
inline std::string ServiceYaml(const std::string& name, const std::string& app) {
  return Fill(R"(apiVersion: v1
kind: Service
metadata:
  name: ${NAME}
spec:
  selector:
    app: ${APP}
  ports:
    - port: 80
      targetPort: http
)",
              {{"NAME", name}, {"APP", app}});
}

// An Ingress NAME sending every path to Service SERVICE port 80, with `annotations` (YAML
// lines at 4 spaces).
inline std::string IngressYaml(const std::string& name, const std::string& service,
                               const std::string& annotations = "") {
  std::string text =
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n";
  if (!annotations.empty()) text += "  annotations:\n" + annotations;
  text += Fill(R"(spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${SERVICE}
                port:
                  number: 80
)",
               {{"SERVICE", service}});
  return text;
}

// Steady load from one thread: GET `path` from `address` again and again (a pause between
// requests keeps two shared cores free for the runtime), every answer recorded.
class Load {
 public:
  struct Sample {
    std::chrono::steady_clock::time_point at;
    int status = 0;
    std::string version;  // "v1", "v2" from "hello from demo v2 (pod web-...)"; else ""
    std::string pod;
    std::string error;  // no answer: why; an answer not 200: its body
  };

  Load(std::string address, bool keep_alive, std::string path = "/",
       std::chrono::milliseconds pause = 5ms, HttpClient::Headers headers = {})
      : address_(std::move(address)),
        keep_alive_(keep_alive),
        path_(std::move(path)),
        pause_(pause),
        headers_(std::move(headers)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::vector<Sample> Samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }
  int Count(bool ok) const {
    int n = 0;
    for (const Sample& sample : Samples()) n += (sample.status == 200) == ok ? 1 : 0;
    return n;
  }
  std::map<std::string, int> Versions() const {
    std::map<std::string, int> out;
    for (const Sample& sample : Samples()) {
      if (sample.status == 200) out[sample.version]++;
    }
    return out;
  }
  // The first `n` failures, one a line, for messages.
  std::string Failures(size_t n = 10) const {
    std::string out;
    size_t shown = 0;
    auto samples = Samples();
    for (const Sample& sample : samples) {
      if (sample.status == 200) continue;
      if (shown++ == n) break;
      out += "  " + std::to_string(sample.status) + " " + sample.error + "\n";
    }
    return out.empty() ? "  (none)\n" : out;
  }
  int retries() const { return retries_; }

 private:
  void Run() {
    HttpClient client(address_, keep_alive_, 10s);
    static const std::regex kAnswer("demo (v[0-9]+) \\(pod ([^)]*)\\)");
    while (!stop_) {
      HttpResult result = client.Get(path_, headers_);
      Sample sample;
      sample.at = std::chrono::steady_clock::now();
      sample.status = result.status;
      std::smatch match;
      if (std::regex_search(result.body, match, kAnswer)) {
        sample.version = match[1];
        sample.pod = match[2];
      }
      if (result.status == 0) {
        sample.error = result.error;
      } else if (result.status != 200) {
        sample.error = result.body.substr(0, 200);
      }
      {
        std::lock_guard lock(mu_);
        samples_.push_back(std::move(sample));
      }
      retries_ = client.retries();
      std::this_thread::sleep_for(pause_);
    }
  }

  const std::string address_;
  const bool keep_alive_;
  const std::string path_;
  const std::chrono::milliseconds pause_;
  const HttpClient::Headers headers_;
  std::atomic<bool> stop_{false};
  std::atomic<int> retries_{0};
  mutable std::mutex mu_;
  std::vector<Sample> samples_;  // guarded by mu_
  std::thread thread_;
};

// The version and pod of a demo answer ("hello from demo v2 (pod web-1)"), else "".
inline std::string VersionOf(const std::string& body) {
  static const std::regex kAnswer("demo (v[0-9]+) \\(pod");
  std::smatch match;
  return std::regex_search(body, match, kAnswer) ? std::string(match[1]) : "";
}

class LocalRuntimeFixture : public testing::Test {
 protected:
  // Sets up podman, the store and the runtime once per binary; `service_ports` as
  // RuntimeOptions::service_ports. Errors are reported by every test's SetUp (a failure here
  // would make GoogleTest skip the tests instead of failing them).
  static void StartSuite(std::map<std::string, uint16_t> service_ports = {}) {
    dir_ = new TempDir();
    env_ = new PodmanEnv(dir_->path() / "podman");
    if (!env_->ready()) return;
    auto store = store::Store::Open(dir_->path() / "capstan.db");
    if (!store.ok()) {
      start_error_ = "store: " + store.error().message();
      return;
    }
    store_ = (*store).release();
    options_.state_dir = dir_->path() / "local";
    options_.podman.env = env_->env();
    options_.proxy_listen = "127.0.0.1:0";
    options_.resync = 1s;
    options_.service_ports = std::move(service_ports);
    auto id = target::local::InstanceId(options_.state_dir);
    if (!id.ok()) {
      start_error_ = id.error().message();
      return;
    }
    instance_id_ = *id;
    podman_ = new Podman(options_.podman);
    StartRuntime();
  }

  // Starts the runtime over the suite's store and state (again, after StopRuntime).
  static void StartRuntime() {
    auto runtime = LocalRuntime::Start(*store_, options_);
    if (!runtime.ok()) {
      start_error_ = "LocalRuntime::Start: " + runtime.error().message();
      return;
    }
    runtime_ = (*runtime).release();
    start_error_.clear();
  }

  // Stops and destroys the runtime; its containers keep running.
  static void StopRuntime() {
    if (runtime_ == nullptr) return;
    runtime_->Stop();
    delete runtime_;
    runtime_ = nullptr;
  }

  static void StopSuite() {
    StopRuntime();
    if (podman_ != nullptr) {
      Status removed = target::local::RemoveEverything(options_.podman, instance_id_);
      EXPECT_TRUE(removed.ok()) << removed.error().message();
    }
    delete podman_;
    delete store_;
    delete env_;
    delete dir_;
    podman_ = nullptr;
    store_ = nullptr;
    env_ = nullptr;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(env_->ready()) << env_->error();
    ASSERT_NE(runtime_, nullptr) << start_error_;
    // A namespace per test, from its name: "CrashLoopBackOff" -> "crashloopbackoff".
    ns_.clear();
    for (char c : std::string(testing::UnitTest::GetInstance()->current_test_info()->name())) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        ns_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    // Short: Podman::CreatePod makes the podman pod's name ("capstan-<namespace>_<pod>") its
    // hostname too, and the kernel refuses hostnames over 64 characters (sethostname:
    // invalid argument), so long namespaces and pod names do not start.
    ns_ = ns_.substr(0, kNamespaceLength);
    EXPECT_TRUE(used_namespaces_.insert(ns_).second)
        << "two tests share the namespace " << ns_ << ": rename one";
    ASSERT_TRUE(Apply("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns_ + "\n"));
  }

  void TearDown() override {
    // Its pods stop in the background while the next test runs; what is left at the end goes
    // with RemoveEverything.
    if (runtime_ != nullptr && !ns_.empty()) {
      (void)runtime_->target().Delete({"", "Namespace", "", ns_}, {});
    }
  }

  static LocalRuntime& runtime() { return *runtime_; }

  // Applies every document of `yaml` (namespaced ones without a namespace go to the test's);
  // the first error is a test failure, with the object.
  testing::AssertionResult Apply(const std::string& yaml) {
    auto applied = TryApply(yaml);
    if (!applied.ok()) return testing::AssertionFailure() << applied.error().message();
    return testing::AssertionSuccess();
  }

  Result<std::vector<Value>> TryApply(const std::string& yaml) {
    auto documents = ParseYamlStream(yaml, "test manifest");
    if (!documents.ok()) return std::move(documents).error();
    std::vector<Value> applied;
    for (YamlDocument& document : *documents) {
      if (document.value.is_null()) continue;
      Value object = std::move(document.value);
      if (KindOf(object) != "Namespace" && object.StringAt({"metadata", "namespace"}).empty()) {
        object["metadata"].Set("namespace", ns_);
      }
      // WORKAROUND (remove once fixed): ObjectStore::Apply keeps `Value& metadata =
      // object["metadata"]` across `object.Set("status", ...)`, which appends a member and
      // may reallocate the members, so re-applying a stored object without a status field
      // writes through a dangling reference ("std::get: wrong index for variant", or worse).
      // An empty status leaves room for the appended one.
      if (!object.Contains("status")) object.Set("status", Value::MakeObject());
      auto result = runtime_->target().Apply(object, {});
      if (!result.ok()) return std::move(result).error();
      applied.push_back(std::move(*result));
    }
    return applied;
  }

  std::optional<Value> Get(const std::string& group, const std::string& kind,
                           const std::string& name) const {
    return runtime_->objects().Get({group, kind, ns_, name});
  }
  std::optional<Value> GetPod(const std::string& name) const { return Get("", "Pod", name); }

  // The test namespace's pods matching `selector` ("app=web"), by name.
  std::vector<Value> Pods(const std::string& selector = "") const {
    auto parsed = LabelSelector::Parse(selector);
    EXPECT_TRUE(parsed.ok()) << selector;
    return runtime_->objects().List({"", "Pod", ns_, parsed.ok() ? *parsed : LabelSelector()});
  }

  std::vector<Value> ReadyPods(const std::string& selector) const {
    std::vector<Value> ready;
    for (Value& pod : Pods(selector)) {
      if (PodReady(pod)) ready.push_back(std::move(pod));
    }
    return ready;
  }

  bool WaitReady(const std::string& selector, size_t count,
                 std::chrono::milliseconds limit = 60s) const {
    return WaitFor([&] { return ReadyPods(selector).size() == count; }, limit);
  }

  // A Deployment is done rolling out: every replica updated, ready and available, old
  // ones gone, status observed for the current generation.
  bool DeploymentDone(const std::string& name) const {
    auto deployment = Get("apps", "Deployment", name);
    if (!deployment) return false;
    int64_t replicas = IntAt(*deployment, {"spec", "replicas"}, 1);
    const Value& d = *deployment;
    return IntAt(d, {"status", "observedGeneration"}) == IntAt(d, {"metadata", "generation"}) &&
           IntAt(d, {"status", "updatedReplicas"}) == replicas &&
           IntAt(d, {"status", "readyReplicas"}) == replicas &&
           IntAt(d, {"status", "availableReplicas"}) == replicas &&
           IntAt(d, {"status", "replicas"}) == replicas;
  }

  // "10.88.0.5:8080" of a pod.
  static std::string PodAddress(const Value& pod, int port = kAppPort) {
    return std::string(pod.StringAt({"status", "podIP"})) + ":" + std::to_string(port);
  }

  // The host port a Service's port listens on (status.loadBalancer), waiting for it; 0
  // when it never got one.
  uint16_t ServicePort(const std::string& name) const {
    uint16_t port = 0;
    WaitFor(
        [&] {
          auto service = Get("", "Service", name);
          const Value* ingress =
              service ? service->At({"status", "loadBalancer", "ingress"}) : nullptr;
          if (ingress == nullptr || !ingress->is_array() || ingress->empty()) return false;
          const Value* ports = ingress->as_array()[0].Find("ports");
          if (ports == nullptr || !ports->is_array() || ports->empty()) return false;
          port = static_cast<uint16_t>(IntAt(ports->as_array()[0], {"port"}));
          return port != 0;
        },
        10s);
    return port;
  }

  std::string ServiceAddress(const std::string& name) const {
    return "127.0.0.1:" + std::to_string(ServicePort(name));
  }

  // Everything in the test's namespace, for failure messages: each workload's, Service's
  // and Pod's status as YAML, and the last lines of every container's `podman logs`.
  std::string Describe() const { return DescribeNamespace(ns_); }

  static std::string DescribeNamespace(const std::string& ns) {
    if (runtime_ == nullptr) return "(no runtime)";
    std::string out = "\n===== namespace " + ns + " =====\n";
    struct Kind {
      const char* group;
      const char* kind;
    };
    for (Kind kind : {Kind{"apps", "Deployment"}, Kind{"apps", "ReplicaSet"}, Kind{"batch", "Job"},
                      Kind{"", "Service"}, Kind{"networking.k8s.io", "Ingress"}, Kind{"", "Pod"}}) {
      for (const Value& object : runtime_->objects().List({kind.group, kind.kind, ns, {}})) {
        out += "--- " + KeyOf(object).ToString();
        if (const Value* deleting = object.At({"metadata", "deletionTimestamp"})) {
          out += " (deleting since " +
                 std::string(deleting->is_string() ? deleting->as_string() : "") + ")";
        }
        out += "\n";
        if (kind.kind == std::string("Deployment") || kind.kind == std::string("Job")) {
          if (const Value* spec = object.Find("spec")) {
            Value brief = *spec;
            brief.Erase("template");
            out += "spec (without template):\n" + EmitYaml(brief);
          }
        }
        const Value* status = object.Find("status");
        out += status != nullptr ? EmitYaml(*status) : "(no status)\n";
      }
    }
    if (podman_ != nullptr) {
      auto containers = podman_->ListContainers(
          {{target::local::kManagedLabel, instance_id_}, {target::local::kPodNamespaceLabel, ns}});
      if (!containers.ok()) {
        out += "podman ps: " + containers.error().message() + "\n";
      } else {
        for (const auto& container : *containers) {
          out += "--- podman logs " + container.name + " (" + container.state + ", exit " +
                 std::to_string(container.exit_code) + ")\n";
          auto logs = podman_->Logs(container.name, 3000);
          out += logs.ok() ? *logs : "(" + logs.error().message() + ")\n";
        }
      }
    }
    return out;
  }

  // Podman containers of this runtime in the test's namespace: name -> id.
  std::map<std::string, std::string> Containers() const {
    std::map<std::string, std::string> out;
    auto containers = podman_->ListContainers(
        {{target::local::kManagedLabel, instance_id_}, {target::local::kPodNamespaceLabel, ns_}});
    EXPECT_TRUE(containers.ok()) << containers.error().message();
    if (containers.ok()) {
      for (const auto& container : *containers) out[container.name] = container.id;
    }
    return out;
  }

  // The podman name of a pod's container.
  std::string ContainerName(const std::string& pod, const std::string& container = "web") const {
    return "capstan-" + ns_ + "_" + pod + "_" + container;
  }

  static Podman& podman() { return *podman_; }

  inline static TempDir* dir_ = nullptr;
  inline static PodmanEnv* env_ = nullptr;
  inline static store::Store* store_ = nullptr;
  inline static LocalRuntime* runtime_ = nullptr;
  inline static Podman* podman_ = nullptr;
  inline static RuntimeOptions options_;
  inline static std::string instance_id_;
  inline static std::string start_error_ = "the suite did not start";
  inline static std::set<std::string> used_namespaces_;
  static constexpr size_t kNamespaceLength = 20;

  std::string ns_;
};

}  // namespace capstan::it
