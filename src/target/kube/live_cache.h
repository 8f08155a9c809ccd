// LiveCache: the live objects of every Application on one cluster, kept current by one
// Informer per kind, watching only objects that carry target::kAppLabel. The controller
// reads an Application's objects with Snapshot(app) and is told of every change by app
// name, so it can enqueue that Application.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"
#include "target/kube/informer.h"
#include "target/kube/kube.h"

namespace capstan::target::kube {

// Called with the Application's name (the kAppLabel value) after any of its objects was
// added, changed or deleted; an object whose label moves from app a to b reports both.
// Runs on an informer's thread, possibly several at once: keep it short (enqueue) and
// thread-safe; it must not call LiveCache's destructor.
using AppChangedCallback = std::function<void(const std::string& app)>;

// Thread-safe. Holds a reference to `client`, which must outlive it.
class LiveCache {
 public:
  LiveCache(KubeClient& client, AppChangedCallback on_change, InformerOptions options = {});
  ~LiveCache();  // stops every informer
  LiveCache(const LiveCache&) = delete;
  LiveCache& operator=(const LiveCache&) = delete;

  // Starts watching `api_version`/`kind` in all namespaces unless it is watched already
  // (by any version of the same group and kind). NotFound when the cluster does not serve
  // the kind (call again once its CRD exists); the watch itself retries on its own.
  Status EnsureKind(const std::string& api_version, const std::string& kind);

  // Waits until every kind watched so far has listed once; false on time-out.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // Copies of the objects labelled kAppLabel=`app`, ordered by key; empty when none.
  std::vector<Value> Snapshot(const std::string& app) const;

  // "apps/Deployment", "/ConfigMap": the kinds watched.
  std::vector<std::string> Kinds() const;

 private:
  void OnEvent(const WatchEvent& event);

  // Constant after construction.
  KubeClient& client_;
  const AppChangedCallback on_change_;
  const InformerOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::map<ObjectKey, Value>> by_app_;  // guarded by mu_
  std::map<ObjectKey, std::string> app_of_;                   // guarded by mu_

  mutable std::mutex informers_mu_;  // taken before mu_, never while holding it
  std::map<std::string, std::unique_ptr<Informer>> informers_;  // guarded by informers_mu_
};

}  // namespace capstan::target::kube
