// The Rollout controller's cost with 1,000 canary releases in progress at once, timed.
//
// On the local target's object store, written through to a real SQLite file as `capstan
// --local` runs it, the program creates ROLLOUTS canary Rollouts (3 replicas; steps
// setWeight 20, pause 10 s, setWeight 50, pause 10 s, setWeight 100; ingress-nginx traffic
// routing with a stable and a canary Service and a stable Ingress each) in NAMESPACES
// namespaces, lets them become Healthy, then releases a new image to all of them at once and
// drives rounds of one simulated second (the controller's resync period) until every
// release is complete: the new ReplicaSet stable, all traffic on it, the old one scaled to
// zero after Argo's default scaleDownDelaySeconds (30). Then it times passes in which nothing
// changes.
//
// A round is what runs on this machine in a second: one RolloutController::RunPass (the only
// part timed), the local target's workload controllers until they settle, and
// StandInKubelet — a stand-in for the kubelet written for this benchmark, which sets every
// pod Running and Ready through the object store and removes pods marked for deletion, with
// no containers (podman would measure podman, not the controller).
//
//   rollout_controller_bench [ROLLOUTS] [NAMESPACES] [IDLE_PASSES]   (1000 10 20)
//
// CPU is the process's (CLOCK_PROCESS_CPUTIME_ID, user + sys: the pass runs on this thread;
// the controller's measurement threads have no AnalysisRun to measure and stay asleep),
// split into user and sys with getrusage. The program fails when a release does not
// complete or the controller reports an error: a figure for a path that went wrong is
// worth nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "controller/release_history.h"
#include "controller/rollout_controller.h"
#include "core/time.h"
#include "core/yaml.h"
#include "store/store.h"
#include "target/local/controllers.h"
#include "target/local/kinds.h"
#include "target/local/local_target.h"

namespace {

using namespace capstan;  // NOLINT(google-build-using-namespace): a benchmark's main file
using target::local::ObjectStore;
using Clock = std::chrono::system_clock;

constexpr int kReplicas = 3;
constexpr int kSteps = 5;  // setWeight 20, pause, setWeight 50, pause, setWeight 100
constexpr int kPauseSeconds = 10;
constexpr int kMaxRounds = 400;  // a release that needs more has gone wrong
constexpr int kMaxWorkloadPasses = 20;
constexpr size_t kWrittenShown = 5;  // as ControllerManager's kMaxPassesPerWake

[[noreturn]] void Fail(const std::string& message) {
  fmt::print(stderr, "rollout_controller_bench: {}\n", message);
  std::exit(1);
}

Value Parse(const std::string& text) {
  auto value = ParseYaml(text, "rollout_controller_bench");
  if (!value.ok()) Fail("fixture does not parse: " + value.error().message());
  return std::move(value).value();
}

std::string Namespace(int i, int namespaces) { return fmt::format("team-{}", i % namespaces); }

std::string RolloutYaml(int i, int namespaces, std::string_view image) {
  return fmt::format(R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: web-{0}, namespace: {1}}}
spec:
  replicas: {2}
  selector: {{matchLabels: {{app: web-{0}}}}}
  template:
    metadata: {{labels: {{app: web-{0}}}}}
    spec: {{containers: [{{name: web, image: "{3}", ports: [{{containerPort: 8080}}]}}]}}
  strategy:
    canary:
      canaryService: web-{0}-canary
      stableService: web-{0}-stable
      trafficRouting: {{nginx: {{stableIngress: web-{0}}}}}
      steps:
      - setWeight: 20
      - pause: {{duration: {4}}}
      - setWeight: 50
      - pause: {{duration: {4}}}
      - setWeight: 100
)",
                     i, Namespace(i, namespaces), kReplicas, image, kPauseSeconds);
}

std::string RoutingYaml(int i, int namespaces) {
  return fmt::format(R"(
- {{apiVersion: v1, kind: Service, metadata: {{name: web-{0}-stable, namespace: {1}}},
   spec: {{selector: {{app: web-{0}}}, ports: [{{port: 80, targetPort: 8080, protocol: TCP}}]}}}}
- {{apiVersion: v1, kind: Service, metadata: {{name: web-{0}-canary, namespace: {1}}},
   spec: {{selector: {{app: web-{0}}}, ports: [{{port: 80, targetPort: 8080, protocol: TCP}}]}}}}
- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata: {{name: web-{0}, namespace: {1}}}
  spec:
    rules:
    - host: web-{0}.{1}.example
      http:
        paths:
        - {{path: /, pathType: Prefix, backend: {{service: {{name: web-{0}-stable, port: {{number: 80}}}}}}}}
)",
                     i, Namespace(i, namespaces));
}

class NoMetrics final : public rollout::analysis::MetricProvider {
 public:
  rollout::analysis::ProviderResult Measure(const rollout::analysis::Metric&) override {
    return {};
  }
};

// A stand-in for the kubelet, written for this benchmark: every pod is Running and Ready at
// once (its Ready condition a second old), a pod marked for deletion is removed, and no
// container runs. Returns how many objects it changed.
int StandInKubelet(ObjectStore& objects, Clock::time_point now) {
  int changed = 0;
  for (const Value& pod : objects.List({"", "Pod", "", {}})) {
    if (pod.At({"metadata", "deletionTimestamp"}) != nullptr) {
      if (!objects.Remove(KeyOf(pod)).ok()) Fail("remove " + KeyOf(pod).ToString());
      ++changed;
      continue;
    }
    if (pod.StringAt({"status", "phase"}) == "Running") continue;
    Value status = Value::MakeObject();
    status.Set("phase", "Running");
    status.Set("podIP", "10.88.0.9");
    status.Set("conditions",
               Value::Array{Value(Value::Object{
                   {"type", "Ready"},
                   {"status", "True"},
                   {"lastTransitionTime", FormatRfc3339(now - std::chrono::seconds(1))}})});
    auto updated = objects.UpdateStatus(KeyOf(pod), status);
    if (!updated.ok()) Fail("pod status: " + updated.error().message());
    changed += *updated ? 1 : 0;
  }
  return changed;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::pair<double, double> UserSysSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

// VmRSS or VmHWM from /proc/self/status, in MB.
double ProcStatusMb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

struct Pass {
  double cpu = 0, wall = 0, user = 0, sys = 0;
  int64_t writes = 0;  // objects the pass changed in the store
};

struct Phase {
  std::vector<Pass> passes;
  int64_t transitions = 0;

  double Total(double Pass::*field) const {
    double sum = 0;
    for (const Pass& pass : passes) sum += pass.*field;
    return sum;
  }
  int64_t Writes() const {
    int64_t sum = 0;
    for (const Pass& pass : passes) sum += pass.writes;
    return sum;
  }
  double Quantile(double Pass::*field, double q) const {
    std::vector<double> values;
    for (const Pass& pass : passes) values.push_back(pass.*field);
    std::sort(values.begin(), values.end());
    return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5)];
  }
};

class Bench {
 public:
  Bench(int rollouts, int namespaces, const std::filesystem::path& dir)
      : rollouts_count_(rollouts), namespaces_(namespaces) {
    auto store = store::Store::Open(dir / "capstan.db");
    if (!store.ok()) Fail("open store: " + store.error().message());
    store_ = std::move(*store);
    auto objects = ObjectStore::Open(store_.get());
    if (!objects.ok()) Fail("open object store: " + objects.error().message());
    objects_ = std::move(*objects);
    objects_->Subscribe([this](const Value& object, bool) {
      ++writes_;
      if (last_written_.size() < kWrittenShown) last_written_.push_back(KeyOf(object).ToString());
    });
    target_ = std::make_unique<target::local::LocalTarget>(*objects_);
    workloads_ = std::make_unique<target::local::ControllerManager>(
        *objects_, [this](const ObjectKey& key) { (void)target_->Delete(key, {}); },
        std::chrono::seconds(1), std::function<void()>{});
    // As `capstan server` runs it (cli/serve.cc): each release step recorded in the history.
    history_ = std::make_unique<controller::ReleaseHistory>(*store_);
    controller::RolloutControllerOptions options;
    options.history = history_.get();
    controller_ = std::make_unique<controller::RolloutController>(
        std::vector<target::Target*>{target_.get()}, metrics_, options);
  }

  void Create(std::string_view image) {
    for (int n = 0; n < namespaces_; ++n) {
      Apply(Parse(
          fmt::format("{{apiVersion: v1, kind: Namespace, metadata: {{name: team-{}}}}}", n)));
    }
    for (int i = 0; i < rollouts_count_; ++i) {
      const Value routing = Parse(RoutingYaml(i, namespaces_));
      for (const Value& object : routing.as_array()) Apply(object);
      Apply(Parse(RolloutYaml(i, namespaces_, image)));
    }
  }

  // A sync from Git changing every Rollout's image.
  void Release(std::string_view image) {
    for (int i = 0; i < rollouts_count_; ++i) Apply(Parse(RolloutYaml(i, namespaces_, image)));
  }

  // Rounds until every Rollout runs `image` as its stable, Healthy, with its old pods gone,
  // and then until a round changes nothing anywhere (the controller's last status writes
  // belong to the release).
  Phase RunUntilComplete(std::string_view image) {
    Phase phase;
    std::map<std::string, int64_t> steps = StepIndexes();
    for (int round = 0; round < kMaxRounds; ++round) {
      int64_t writes_before = writes_;
      phase.passes.push_back(Round());
      bool quiet = writes_ == writes_before;
      std::map<std::string, int64_t> now_steps = StepIndexes();
      for (const auto& [name, index] : now_steps) {
        auto before = steps.find(name);
        if (before != steps.end() && index > before->second)
          phase.transitions += index - before->second;
      }
      steps = std::move(now_steps);
      if (quiet && Complete(image)) return phase;
    }
    Fail(fmt::format("the releases did not complete in {} rounds", kMaxRounds));
  }

  Phase Idle(int passes) {
    Phase phase;
    for (int i = 0; i < passes; ++i) {
      now_ += std::chrono::seconds(1);
      phase.passes.push_back(TimedPass());
    }
    return phase;
  }

  // What the last timed pass wrote (the first few), for a failure's message.
  std::string LastWritten() const { return fmt::format("{}", fmt::join(last_written_, ", ")); }

  void CheckNoErrors() const {
    for (const auto& [name, errors] : controller_->Errors()) {
      if (!errors.empty()) Fail(name + ": " + errors.front());
    }
  }

  size_t ObjectCount() const {
    size_t count = 0;
    for (const target::KindInfo& kind : target::local::LocalKinds()) {
      count += objects_->List({kind.group, kind.kind, "", {}}).size();
    }
    return count;
  }

 private:
  void Apply(const Value& object) {
    auto applied = target_->Apply(object, {});
    if (!applied.ok()) Fail("apply: " + applied.error().message());
  }

  Pass TimedPass() {
    Pass pass;
    int64_t writes_before = writes_;
    last_written_.clear();
    auto [user, sys] = UserSysSeconds();
    double cpu = ProcessCpuSeconds();
    auto wall = std::chrono::steady_clock::now();
    controller_->RunPass(now_);
    pass.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
    pass.cpu = ProcessCpuSeconds() - cpu;
    auto [user_after, sys_after] = UserSysSeconds();
    pass.user = user_after - user;
    pass.sys = sys_after - sys;
    pass.writes = writes_ - writes_before;
    return pass;
  }

  Pass Round() {
    now_ += std::chrono::seconds(1);
    Pass pass = TimedPass();
    for (int i = 0; i < kMaxWorkloadPasses && workloads_->RunPass(now_); ++i) {
    }
    StandInKubelet(*objects_, now_);
    return pass;
  }

  std::map<std::string, int64_t> StepIndexes() const {
    std::map<std::string, int64_t> out;
    for (const Value& rollout : objects_->List({"argoproj.io", "Rollout", "", {}})) {
      const Value* index = rollout.At({"status", "currentStepIndex"});
      out[std::string(NamespaceOf(rollout)) + "/" + std::string(NameOf(rollout))] =
          index != nullptr && index->is_int() ? index->as_int() : -1;
    }
    return out;
  }

  bool Complete(std::string_view image) const {
    for (const Value& rollout : objects_->List({"argoproj.io", "Rollout", "", {}})) {
      if (rollout.StringAt({"status", "phase"}) != "Healthy") return false;
      if (rollout.StringAt({"status", "stableRS"}) !=
          rollout.StringAt({"status", "currentPodHash"}))
        return false;
    }
    auto pods = objects_->List({"", "Pod", "", {}});
    if (pods.size() != static_cast<size_t>(rollouts_count_ * kReplicas)) return false;
    return std::all_of(pods.begin(), pods.end(), [&](const Value& pod) {
      const Value* containers = pod.At({"spec", "containers"});
      return pod.StringAt({"status", "phase"}) == "Running" && containers != nullptr &&
             containers->as_array().front().StringAt({"image"}) == image;
    });
  }

  const int rollouts_count_;
  const int namespaces_;
  NoMetrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ObjectStore> objects_;
  std::unique_ptr<target::local::LocalTarget> target_;
  std::unique_ptr<target::local::ControllerManager> workloads_;
  std::unique_ptr<controller::ReleaseHistory> history_;
  std::unique_ptr<controller::RolloutController> controller_;
  Clock::time_point now_ = Clock::now();
  int64_t writes_ = 0;
  std::vector<std::string> last_written_;  // by the last timed pass, the first kWrittenShown
};

void Row(const std::string& what, const Phase& phase, int rollouts) {
  fmt::print(
      "| {} | {} | {:.3f} s | {:.1f} ms (p90 {:.1f}, max {:.1f}) | {:.1f} ms | {:.1f} µs | {} |\n",
      what, phase.passes.size(), phase.Total(&Pass::cpu), phase.Quantile(&Pass::cpu, 0.5) * 1e3,
      phase.Quantile(&Pass::cpu, 0.9) * 1e3, phase.Quantile(&Pass::cpu, 1.0) * 1e3,
      phase.Quantile(&Pass::wall, 0.5) * 1e3, phase.Quantile(&Pass::cpu, 0.5) * 1e6 / rollouts,
      phase.Writes());
}

}  // namespace

int main(int argc, char** argv) {
  const int rollouts = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int namespaces = argc > 2 ? std::atoi(argv[2]) : 10;
  const int idle_passes = argc > 3 ? std::atoi(argv[3]) : 20;
  if (rollouts < 1 || namespaces < 1 || namespaces > rollouts || idle_passes < 1) {
    Fail("usage: rollout_controller_bench [ROLLOUTS] [NAMESPACES<=ROLLOUTS] [IDLE_PASSES]");
  }
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "rollout-bench-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) Fail("mkdtemp failed");
  const std::filesystem::path dir = dir_template;
  std::string load_before = LoadAverage();

  Bench bench(rollouts, namespaces, dir);
  bench.Create("demo:v1");
  Phase first = bench.RunUntilComplete("demo:v1");
  bench.CheckNoErrors();
  double rss_settled = ProcStatusMb("VmRSS");
  size_t objects = bench.ObjectCount();

  bench.Release("demo:v2");
  Phase release = bench.RunUntilComplete("demo:v2");
  bench.CheckNoErrors();
  if (release.transitions != static_cast<int64_t>(rollouts) * kSteps) {
    Fail(fmt::format("{} step transitions, expected {} ({} per Rollout)", release.transitions,
                     rollouts * kSteps, kSteps));
  }
  Phase idle = bench.Idle(idle_passes);
  bench.CheckNoErrors();
  if (idle.Writes() != 0) {
    Fail(fmt::format("idle passes wrote {} objects; the last pass: {}", idle.Writes(),
                     bench.LastWritten()));
  }
  double rss_end = ProcStatusMb("VmRSS");

  fmt::print(
      "Rollout controller: {} canary Rollouts ({} replicas, {} steps, nginx routing) in {} "
      "namespaces; {} objects in the local store (SQLite {})\n",
      rollouts, kReplicas, kSteps, namespaces, objects, (dir / "capstan.db").string());
  fmt::print("load average before / after: {} / {}\n\n", load_before, LoadAverage());
  fmt::print(
      "| phase | passes | CPU total | CPU per pass, median | wall per pass, median | "
      "CPU per Rollout per pass | objects written |\n|---|---|---|---|---|---|---|\n");
  Row("first release (create, no steps)", first, rollouts);
  Row("release v1 → v2 to all, to completion", release, rollouts);
  Row("idle (nothing changes)", idle, rollouts);
  double release_cpu = release.Total(&Pass::cpu);
  fmt::print("\nstep transitions in the release: {} ({} per Rollout)\n", release.transitions,
             kSteps);
  fmt::print(
      "CPU per rollout step (release CPU / transitions): {:.0f} µs (user {:.3f} s, sys {:.3f} s)\n",
      release_cpu * 1e6 / static_cast<double>(release.transitions), release.Total(&Pass::user),
      release.Total(&Pass::sys));
  fmt::print("idle: {:.1f}% of a core at the 1 s resync\n", idle.Quantile(&Pass::cpu, 0.5) * 100);
  fmt::print(
      "RSS: {:.1f} MB with the first release settled, {:.1f} MB at the end, peak {:.1f} MB\n",
      rss_settled, rss_end, ProcStatusMb("VmHWM"));
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
