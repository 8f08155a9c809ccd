#include "controller/destination_router.h"

#include <map>

#include "target/local/kinds.h"

namespace capstan::controller {

DestinationRouter::DestinationRouter(std::unique_ptr<KubeDestinations> kube,
                                     target::local::LocalTarget* local,
                                     target::local::ObjectStore* local_objects)
    : kube_(std::move(kube)), local_(local), local_objects_(local_objects) {}

Result<target::Target*> DestinationRouter::Resolve(const ApplicationDestination& destination) {
  if (destination.name == kLocalDestination) {
    if (local_ == nullptr) {
      return Error::NotFound(
          "spec.destination.name: local: this capstan runs no local target (start it with "
          "`capstan up` or `capstan server --local`)");
    }
    return local_;
  }
  if (!kube_) {
    return Error::NotFound(
        "spec.destination: this capstan has no kubeconfig; only `destination.name: local` is "
        "available");
  }
  return kube_->Resolve(destination);
}

Result<std::vector<Value>> DestinationRouter::LiveObjects(target::Target& target,
                                                          const std::string& app,
                                                          const std::vector<Manifest>& desired) {
  if (&target != local_) return kube_->LiveObjects(target, app, desired);
  // The local store is the live state itself: no cache to fill or wait for.
  std::map<ObjectKey, Value> live;
  auto labelled = LabelSelector::Parse(std::string(target::kAppLabel) + "=" + app);
  if (!labelled.ok()) return std::move(labelled).error();  // an app name that is no label value
  for (const target::KindInfo& kind : target::local::LocalKinds()) {
    for (Value& object : local_objects_->List({kind.group, kind.kind, "", *labelled})) {
      ObjectKey key = KeyOf(object);
      live.emplace(std::move(key), std::move(object));
    }
  }
  for (const Manifest& manifest : desired) {
    ObjectKey key = KeyOf(manifest.object);
    if (key.ns.empty() &&
        target::local::FindLocalKind(manifest.object.StringAt({"apiVersion"}), key.kind)
            .value_or(target::KindInfo{})
            .namespaced) {
      key.ns = "default";
    }
    if (live.contains(key)) continue;
    if (auto object = local_objects_->Get(key)) live.emplace(key, std::move(*object));
  }
  std::vector<Value> out;
  out.reserve(live.size());
  for (auto& [key, object] : live) out.push_back(std::move(object));
  return out;
}

void DestinationRouter::SetChangeCallback(const std::function<void(const std::string&)>& callback) {
  if (kube_) kube_->SetChangeCallback(callback);
  if (local_objects_ != nullptr) {
    local_objects_->Subscribe([callback](const Value& object, bool /*removed*/) {
      std::string_view app = object.StringAt({"metadata", "labels", target::kAppLabel});
      if (!app.empty()) callback(std::string(app));
    });
  }
}

}  // namespace capstan::controller
