// The test stand-in for a kubelet: registers one Node and keeps it Ready, and reports
// status for the Pods scheduled to it as pod_status.h describes. No container runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>

#include "core/result.h"
#include "core/value.h"
#include "kube_rest.h"
#include "pod_status.h"
#include "target/kube/kube.h"

namespace capstan::standin {

struct AgentOptions {
  std::string node_name;              // required
  std::string host_ip = "127.0.0.1";  // the Node's InternalIP and every Pod's hostIP
  // How often the Node's Ready heartbeat and Lease are renewed. Default 10 s, as a kubelet;
  // the node lifecycle controller marks a Node NotReady after 40 s without one and then
  // evicts its Pods.
  std::chrono::seconds heartbeat{10};
  // Pods are re-listed at least this often even when the watch is quiet. Default 5 s; a
  // watch event or a Job Pod's end wakes the loop sooner.
  std::chrono::milliseconds resync{5000};
};

// Thread safety: Run and WatchPods run on two threads at once; nothing else may be called
// concurrently with Run.
class Agent {
 public:
  // Pods are listed and watched through `client` (capstan's Kubernetes client); what a
  // kubelet writes and capstan's client does not (Node and Pod status, a delete with a grace
  // period of 0, the Lease) goes through `api`. Both must outlive the Agent.
  Agent(target::kube::KubeClient& client, KubeRest& api, AgentOptions options);

  // Creates the Node (capacity, addresses, Ready) or, when it exists, makes it Ready.
  Status RegisterNode();
  // Until `stop`: renews the heartbeat, and syncs Pods whenever woken, a Pod's end is due
  // or the resync period passed. Failures are logged and retried, never fatal.
  void Run(const std::stop_token& stop);
  // Until `stop`: watches the Pods bound to the Node and wakes Run on every event.
  void WatchPods(const std::stop_token& stop);

 private:
  Status Heartbeat();
  // One pass over the Node's Pods; returns when the next Pod ends (or max()).
  Result<Clock::time_point> SyncPods();
  Status SyncPod(const Value& pod, Clock::time_point now, Clock::time_point* next_change);
  void Wake();
  Value NodeStatus(Clock::time_point now) const;
  target::Selector PodsOnNode() const;

  // Constant after construction.
  target::kube::KubeClient& client_;
  KubeRest& api_;
  const AgentOptions options_;
  const Clock::time_point registered_;

  std::mutex mu_;
  std::condition_variable_any wake_;
  bool woken_ = false;  // guarded by mu_

  // Used by Run's thread only.
  std::map<std::string, PodRun> runs_;  // by Pod uid
  int next_ip_ = 0;
};

}  // namespace capstan::standin
