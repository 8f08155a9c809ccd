// Destinations for `capstan server` and `capstan up`: `destination.name: local` is this
// machine (the local target), anything else a kubeconfig context. Either side may be
// absent: `capstan up` runs without a kubeconfig, a server without a local runtime.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controller/app_controller.h"
#include "controller/kube_destinations.h"
#include "target/local/local_target.h"

namespace capstan::controller {

// The destination name that selects the local target.
inline constexpr char kLocalDestination[] = "local";

class DestinationRouter final : public Destinations {
 public:
  // Either may be null. `local_objects` is the store behind `local` (for its live objects
  // and change notifications); both must outlive the router.
  DestinationRouter(std::unique_ptr<KubeDestinations> kube, target::local::LocalTarget* local,
                    target::local::ObjectStore* local_objects);

  Result<target::Target*> Resolve(const ApplicationDestination& destination) override;
  Result<std::vector<Value>> LiveObjects(target::Target& target, const std::string& app,
                                         const std::vector<Manifest>& desired) override;

  // Called with an Application's name when one of its live objects changed, on either side.
  // Set it before the first LiveObjects call.
  void SetChangeCallback(const std::function<void(const std::string&)>& callback);

  KubeDestinations* kube() { return kube_.get(); }

 private:
  std::unique_ptr<KubeDestinations> kube_;
  target::local::LocalTarget* const local_;
  target::local::ObjectStore* const local_objects_;
};

}  // namespace capstan::controller
