#include "agent.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "core/log.h"

namespace capstan::standin {
namespace {

// What the Node offers the scheduler: enough for any test's requests.
constexpr char kCapacityCpu[] = "8";
constexpr char kCapacityMemory[] = "16Gi";
constexpr char kCapacityPods[] = "110";
constexpr char kStandinVersion[] = "v1.20.2-test-kubelet-standin";
constexpr int kLeaseDurationSeconds = 40;
// Pod IPs are 127.0.0.x with x in [kFirstPodIp, kLastPodIp], handed out in turn.
constexpr int kFirstPodIp = 2;
constexpr int kLastPodIp = 254;
// After a failed watch, wait this long before the next.
constexpr auto kWatchRetry = std::chrono::seconds(1);

std::string PodPath(const Value& pod) {
  return "/api/v1/namespaces/" + std::string(pod.StringAt({"metadata", "namespace"})) + "/pods/" +
         std::string(pod.StringAt({"metadata", "name"}));
}

std::string PodName(const Value& pod) {
  return std::string(pod.StringAt({"metadata", "namespace"})) + "/" +
         std::string(pod.StringAt({"metadata", "name"}));
}

std::string MicroTime(Clock::time_point time) {
  std::string seconds = FormatTime(time);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count() %
      1'000'000;
  std::string fraction = std::to_string(micros);
  fraction.insert(0, 6 - fraction.size(), '0');
  return seconds.substr(0, seconds.size() - 1) + "." + fraction + "Z";
}

Value NodeCondition(std::string_view type, bool status, std::string_view reason,
                    std::string_view message, const std::string& heartbeat,
                    const std::string& since) {
  Value condition = Value::MakeObject();
  condition.Set("type", type);
  condition.Set("status", status ? "True" : "False");
  condition.Set("lastHeartbeatTime", heartbeat);
  condition.Set("lastTransitionTime", since);
  condition.Set("reason", reason);
  condition.Set("message", message);
  return condition;
}

}  // namespace

Agent::Agent(target::kube::KubeClient& client, KubeRest& api, AgentOptions options)
    : client_(client), api_(api), options_(std::move(options)), registered_(Clock::now()) {}

Value Agent::NodeStatus(Clock::time_point now) const {
  const std::string heartbeat = FormatTime(now);
  const std::string since = FormatTime(registered_);
  Value resources = Value::MakeObject();
  resources.Set("cpu", kCapacityCpu);
  resources.Set("memory", kCapacityMemory);
  resources.Set("pods", kCapacityPods);
  Value status = Value::MakeObject();
  status.Set("capacity", resources);
  status.Set("allocatable", resources);
  status.Set("conditions",
             Value::Array{
                 NodeCondition("MemoryPressure", false, "KubeletHasSufficientMemory",
                               "test stand-in: no memory pressure", heartbeat, since),
                 NodeCondition("DiskPressure", false, "KubeletHasNoDiskPressure",
                               "test stand-in: no disk pressure", heartbeat, since),
                 NodeCondition("PIDPressure", false, "KubeletHasSufficientPID",
                               "test stand-in: no PID pressure", heartbeat, since),
                 NodeCondition("Ready", true, "KubeletReady",
                               "test stand-in for a kubelet: Pods get status, no container runs",
                               heartbeat, since),
             });
  Value internal = Value::MakeObject();
  internal.Set("type", "InternalIP");
  internal.Set("address", options_.host_ip);
  Value hostname = Value::MakeObject();
  hostname.Set("type", "Hostname");
  hostname.Set("address", options_.node_name);
  status.Set("addresses", Value::Array{internal, hostname});
  Value info = Value::MakeObject();
  for (const char* field : {"machineID", "systemUUID", "bootID", "kernelVersion"}) {
    info.Set(field, "");
  }
  info.Set("osImage", "test stand-in, not a kubelet");
  info.Set("containerRuntimeVersion", "test-kubelet://0");
  info.Set("kubeletVersion", kStandinVersion);
  info.Set("kubeProxyVersion", kStandinVersion);
  info.Set("operatingSystem", "linux");
  info.Set("architecture", "amd64");
  status.Set("nodeInfo", std::move(info));
  return status;
}

Status Agent::RegisterNode() {
  Value node = Value::MakeObject();
  node.Set("apiVersion", "v1");
  node.Set("kind", "Node");
  Value& metadata = node["metadata"];
  metadata.Set("name", options_.node_name);
  Value& labels = metadata["labels"];
  labels.Set("kubernetes.io/hostname", options_.node_name);
  labels.Set("kubernetes.io/os", "linux");
  labels.Set("kubernetes.io/arch", "amd64");
  labels.Set("test-kubelet.capstan.dev/standin", "true");
  // Nodes keep the status they are created with (a kubelet registers this way).
  node.Set("status", NodeStatus(Clock::now()));
  Result<Value> created = api_.Create("/api/v1/nodes", node);
  if (!created.ok() && created.error().code() != ErrorCode::kConflict) {
    return std::move(created).error().Wrap("register Node " + options_.node_name);
  }
  Log(LogLevel::kInfo, "Node {} registered", options_.node_name);
  return Heartbeat();
}

Status Agent::Heartbeat() {
  const Clock::time_point now = Clock::now();
  Value patch = Value::MakeObject();
  patch.Set("status", NodeStatus(now));
  Result<Value> node = api_.MergePatch("/api/v1/nodes/" + options_.node_name + "/status", patch);
  if (!node.ok()) return std::move(node).error().Wrap("heartbeat of Node " + options_.node_name);

  Value lease = Value::MakeObject();
  lease.Set("apiVersion", "coordination.k8s.io/v1");
  lease.Set("kind", "Lease");
  lease["metadata"].Set("name", options_.node_name);
  lease["metadata"].Set("namespace", "kube-node-lease");
  lease["spec"].Set("holderIdentity", options_.node_name);
  lease["spec"].Set("leaseDurationSeconds", kLeaseDurationSeconds);
  lease["spec"].Set("renewTime", MicroTime(now));
  Result<Value> renewed = api_.Apply(
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + options_.node_name, lease,
      "test-kubelet-standin");
  if (!renewed.ok()) return std::move(renewed).error().Wrap("renew Lease " + options_.node_name);
  return OkStatus();
}

target::Selector Agent::PodsOnNode() const {
  target::Selector selector;
  selector.api_version = "v1";
  selector.kind = "Pod";
  selector.field_selector = "spec.nodeName=" + options_.node_name;
  return selector;
}

void Agent::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Agent::WatchPods(const std::stop_token& stop) {
  using target::kube::WatchEnd;
  const target::Selector selector = PodsOnNode();
  std::string version;  // empty: from the current state
  while (!stop.stop_requested()) {
    // Events missed between two watches are caught by the sync this wakes.
    Wake();
    Result<WatchEnd> end = client_.Watch(
        selector, version,
        [this](const target::WatchEvent&) {
          Wake();
          return true;
        },
        stop);
    if (end.ok()) {
      version = end->reason == WatchEnd::Reason::kGone ? "" : end->resource_version;
      continue;
    }
    if (stop.stop_requested()) break;
    Log(LogLevel::kWarning, "watch Pods on {}: {}", options_.node_name, end.error().message());
    version.clear();
    std::mutex sleep_mu;
    std::unique_lock lock(sleep_mu);
    std::condition_variable_any().wait_for(lock, stop, kWatchRetry, [] { return false; });
  }
}

void Agent::Run(const std::stop_token& stop) {
  Clock::time_point next_heartbeat = Clock::now() + options_.heartbeat;
  Clock::time_point next_sync = Clock::now();
  while (!stop.stop_requested()) {
    const Clock::time_point now = Clock::now();
    if (now >= next_heartbeat) {
      Status beat = Heartbeat();
      if (!beat.ok()) Log(LogLevel::kWarning, "{}", beat.error().message());
      next_heartbeat = now + options_.heartbeat;
    }
    if (now >= next_sync) {
      Result<Clock::time_point> next_change = SyncPods();
      next_sync = now + options_.resync;
      if (!next_change.ok()) {
        Log(LogLevel::kWarning, "{}", next_change.error().message());
      } else {
        next_sync = std::min(next_sync, *next_change);
      }
    }
    std::unique_lock lock(mu_);
    if (wake_.wait_until(lock, stop, std::min(next_sync, next_heartbeat),
                         [this] { return woken_; })) {
      woken_ = false;
      next_sync = Clock::now();
    }
  }
}

Result<Clock::time_point> Agent::SyncPods() {
  Result<std::vector<Value>> pods = client_.List(PodsOnNode());
  if (!pods.ok()) return std::move(pods).error().Wrap("list Pods on " + options_.node_name);
  const Clock::time_point now = Clock::now();
  Clock::time_point next_change = Clock::time_point::max();
  std::set<std::string> seen;
  for (const Value& pod : *pods) {
    seen.insert(std::string(pod.StringAt({"metadata", "uid"})));
    Status synced = SyncPod(pod, now, &next_change);
    if (!synced.ok()) Log(LogLevel::kWarning, "{}", synced.error().message());
  }
  std::erase_if(runs_, [&](const auto& entry) { return !seen.contains(entry.first); });
  return next_change;
}

Status Agent::SyncPod(const Value& pod, Clock::time_point now, Clock::time_point* next_change) {
  const std::string uid(pod.StringAt({"metadata", "uid"}));
  if (pod.At({"metadata", "deletionTimestamp"}) != nullptr) {
    // A kubelet would stop the containers first; there are none.
    Value options = Value::MakeObject();
    options.Set("apiVersion", "v1");
    options.Set("kind", "DeleteOptions");
    options.Set("gracePeriodSeconds", 0);
    options["preconditions"].Set("uid", uid);
    CAPSTAN_TRY(api_.Delete(PodPath(pod), options));
    Log(LogLevel::kInfo, "Pod {} deleted", PodName(pod));
    runs_.erase(uid);
    return OkStatus();
  }
  auto [it, added] = runs_.try_emplace(uid);
  PodRun& run = it->second;
  if (added) {
    // A Pod started before this process (it restarted) keeps its times and IP.
    Result<Clock::time_point> started = ParseTime(pod.StringAt({"status", "startTime"}));
    run.started = started.ok() ? *started : now;
    std::string_view ip = pod.StringAt({"status", "podIP"});
    if (!ip.empty()) {
      run.pod_ip = std::string(ip);
    } else {
      run.pod_ip = "127.0.0." + std::to_string(kFirstPodIp + next_ip_);
      next_ip_ = (next_ip_ + 1) % (kLastPodIp - kFirstPodIp + 1);
    }
  }
  std::optional<Clock::time_point> ends = PodEndsAt(pod, run);
  if (ends.has_value() && *ends > now) *next_change = std::min(*next_change, *ends);
  Value desired = DesiredPodStatus(pod, run, now, options_.host_ip);
  const Value* current = pod.Find("status");
  if (current != nullptr && Covers(*current, desired)) return OkStatus();
  Value patch = Value::MakeObject();
  patch.Set("status", desired);
  Result<Value> patched = api_.MergePatch(PodPath(pod) + "/status", patch);
  if (!patched.ok()) return std::move(patched).error().Wrap("status of Pod " + PodName(pod));
  Log(LogLevel::kInfo, "Pod {}: {}", PodName(pod), desired.StringAt({"phase"}));
  return OkStatus();
}

}  // namespace capstan::standin
