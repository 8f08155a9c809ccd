// ControllerManager: kube-controller-manager for the local target. One thread runs the pure
// workload controllers (workload/workload.h) over the object store — Deployments, then
// ReplicaSets, StatefulSets and Jobs — and applies the Actions they return, pass after pass
// until nothing changes; then it sleeps until an object changes, a controller asked to be
// called again (deadlines, back-off), or the resync period passes. Level-triggered, as in
// Kubernetes: any pass can be interrupted and simply re-run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "target/local/object_store.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local {

// Deletes an object with its dependents, Kubernetes' background propagation (LocalTarget's).
using CascadeDelete = std::function<void(const ObjectKey&)>;

class ControllerManager {
 public:
  // `objects` must outlive this. `after_pass` runs after every pass that changed something
  // (the runtime resyncs the proxy's routes there).
  ControllerManager(ObjectStore& objects, CascadeDelete cascade_delete,
                    std::chrono::milliseconds resync, std::function<void()> after_pass);
  ~ControllerManager();  // stops the thread

  void Start();
  void Stop();
  // Something changed: run a pass soon.
  void Wake();

  // One pass over every workload at `now`, applying what the controllers return; true when
  // anything changed. Exposed for tests, which drive time themselves.
  bool RunPass(workload::TimePoint now);

  // Errors the controllers reported for a parent ("apps/StatefulSet demo/db": [...]), kept
  // until the parent reconciles without them. Thread-safe copy.
  std::map<std::string, std::vector<std::string>> Errors() const;

 private:
  void Loop();
  bool Apply(const Value& parent, const workload::Actions& actions, workload::TimePoint now);

  ObjectStore& objects_;
  const CascadeDelete cascade_delete_;
  const std::chrono::milliseconds resync_;
  const std::function<void()> after_pass_;
  const workload::NameSuffix name_suffix_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = true;                                       // guarded by mu_
  bool stopping_ = false;                                   // guarded by mu_
  std::optional<workload::TimePoint> next_requeue_;         // guarded by mu_
  std::map<std::string, std::vector<std::string>> errors_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace capstan::target::local
