// Destinations on Kubernetes: one client per kubeconfig context. An Application's
// destination.name names a context; destination.server an API server URL (the first
// context whose cluster has it); "https://kubernetes.default.svc" is the current context,
// as it is the in-cluster address in Argo CD.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "controller/app_controller.h"
#include "target/kube/kube.h"
#include "target/kube/kubeconfig.h"
#include "target/kube/live_cache.h"

namespace capstan::controller {

inline constexpr char kInClusterServer[] = "https://kubernetes.default.svc";

class KubeDestinations final : public Destinations {
 public:
  // Reads every context of `kubeconfig`; `current` is the one for kInClusterServer (empty:
  // the file's current-context). Errors name the file and context.
  static Result<std::unique_ptr<KubeDestinations>> Load(const std::filesystem::path& kubeconfig,
                                                        const std::string& current = "");

  Result<target::Target*> Resolve(const ApplicationDestination& destination) override;
  Result<std::vector<Value>> LiveObjects(target::Target& target, const std::string& app,
                                         const std::vector<Manifest>& desired) override;

  // Called with an Application's name whenever one of its live objects changes (from the
  // clusters' watches). Set it before the first LiveObjects call.
  void SetChangeCallback(std::function<void(const std::string&)> callback);

  // The target of the current context (where Application objects are read from).
  target::Target& Current() { return *clusters_[current_].client; }

  // The contexts, for `capstan server` to print.
  std::vector<std::string> Describe() const;

 private:
  struct Cluster {
    target::kube::KubeConfig config;
    std::unique_ptr<target::kube::KubeClient> client;
    // Watches of the objects capstan labelled, started on first use. Guarded by mu_.
    std::unique_ptr<target::kube::LiveCache> cache;
  };
  target::kube::LiveCache& CacheFor(Cluster& cluster);  // REQUIRES: mu_ held
  std::vector<Cluster> clusters_;
  size_t current_ = 0;

  std::mutex mu_;
  // Every (apiVersion, kind) an Application ever desired, so an object of a kind that has
  // left Git is still found for pruning. Guarded by mu_.
  std::map<std::string, std::set<std::pair<std::string, std::string>>> kinds_;
  std::function<void(const std::string&)> on_change_;  // guarded by mu_
};

}  // namespace capstan::controller
