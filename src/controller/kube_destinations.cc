#include "controller/kube_destinations.h"

#include <fmt/format.h>

#include "core/log.h"
#include "sync/prune_kinds.h"

namespace capstan::controller {

namespace {

// How long a reconcile waits for newly watched kinds to list once.
constexpr std::chrono::milliseconds kCacheSyncTimeout{30'000};

}  // namespace

Result<std::unique_ptr<KubeDestinations>> KubeDestinations::Load(
    const std::filesystem::path& kubeconfig, const std::string& current) {
  auto contexts = target::kube::ListContexts(kubeconfig);
  if (!contexts.ok()) return contexts.error();
  auto current_config = target::kube::LoadKubeConfig(kubeconfig, current);
  if (!current_config.ok()) return current_config.error();
  auto destinations = std::unique_ptr<KubeDestinations>(new KubeDestinations());
  for (const std::string& context : *contexts) {
    auto config = target::kube::LoadKubeConfig(kubeconfig, context);
    if (!config.ok()) {
      // One broken context must not stop the others; Applications naming it fail clearly.
      Log(LogLevel::kWarning, "{}", config.error().message());
      continue;
    }
    auto client = target::kube::KubeClient::Create(*config);
    if (!client.ok()) {
      Log(LogLevel::kWarning, "{}", client.error().message());
      continue;
    }
    if (context == current_config->context) destinations->current_ = destinations->clusters_.size();
    destinations->clusters_.push_back({std::move(*config), std::move(*client), nullptr});
  }
  if (destinations->clusters_.empty()) {
    return Error::Invalid(fmt::format("{}: no usable context", kubeconfig.string()));
  }
  return destinations;
}

std::vector<std::string> KubeDestinations::Describe() const {
  std::vector<std::string> lines;
  for (const Cluster& cluster : clusters_) lines.push_back(cluster.client->Describe());
  return lines;
}

Result<target::Target*> KubeDestinations::Resolve(const ApplicationDestination& destination) {
  if (!destination.name.empty()) {
    for (Cluster& cluster : clusters_) {
      if (cluster.config.context == destination.name) return cluster.client.get();
    }
    return Error::NotFound(
        fmt::format("spec.destination.name: no kubeconfig context called {}", destination.name));
  }
  std::string server = destination.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  if (server == kInClusterServer) return clusters_[current_].client.get();
  for (Cluster& cluster : clusters_) {
    if (cluster.config.server == server) return cluster.client.get();
  }
  return Error::NotFound(fmt::format(
      "spec.destination.server: no kubeconfig context for cluster {}", destination.server));
}

void KubeDestinations::SetChangeCallback(std::function<void(const std::string&)> callback) {
  std::lock_guard lock(mu_);
  on_change_ = std::move(callback);
}

target::kube::LiveCache& KubeDestinations::CacheFor(Cluster& cluster) {
  if (!cluster.cache) {
    auto on_change = on_change_;
    cluster.cache = std::make_unique<target::kube::LiveCache>(*cluster.client,
                                                              [on_change](const std::string& app) {
                                                                if (on_change) on_change(app);
                                                              });
  }
  return *cluster.cache;
}

// The live objects come from the cluster's watch-fed cache: a reconcile costs no request
// once its kinds are watched. Only desired objects the cache does not hold (not labelled
// by capstan yet: created by hand or by another tool) are read one by one.
Result<std::vector<Value>> KubeDestinations::LiveObjects(target::Target& target,
                                                         const std::string& app,
                                                         const std::vector<Manifest>& desired) {
  Cluster* cluster = nullptr;
  for (Cluster& candidate : clusters_) {
    if (candidate.client.get() == &target) cluster = &candidate;
  }
  if (cluster == nullptr)
    return Error::Internal("LiveObjects: target is not one of these clusters");

  std::set<std::pair<std::string, std::string>> kinds(sync::CommonPruneKinds().begin(),
                                                      sync::CommonPruneKinds().end());
  target::kube::LiveCache* cache = nullptr;
  {
    std::lock_guard lock(mu_);
    auto& seen = kinds_[app];
    for (const Manifest& manifest : desired) {
      seen.emplace(std::string(manifest.object.StringAt({"apiVersion"})),
                   std::string(KindOf(manifest.object)));
    }
    kinds.insert(seen.begin(), seen.end());
    cache = &CacheFor(*cluster);
  }
  for (const auto& [api_version, kind] : kinds) {
    // A kind not served (yet: its CRD comes with this sync) has no live objects.
    if (auto watched = cache->EnsureKind(api_version, kind);
        !watched.ok() && watched.error().code() != ErrorCode::kNotFound) {
      return watched.error();
    }
  }
  if (!cache->WaitForSync(kCacheSyncTimeout)) {
    return Error::Unavailable(fmt::format("{}: the live-state cache did not finish listing in {}s",
                                          target.Describe(), kCacheSyncTimeout.count() / 1000));
  }
  std::map<ObjectKey, Value> live;
  for (Value& object : cache->Snapshot(app)) {
    ObjectKey key = KeyOf(object);
    live.emplace(std::move(key), std::move(object));
  }
  for (const Manifest& manifest : desired) {
    ObjectKey key = KeyOf(manifest.object);
    if (live.contains(key)) continue;
    auto object = target.Get(key, std::string(manifest.object.StringAt({"apiVersion"})));
    if (!object.ok()) {
      if (object.error().code() == ErrorCode::kNotFound) continue;
      return object.error();
    }
    if (object->has_value()) live.emplace(key, std::move(**object));
  }
  std::vector<Value> result;
  result.reserve(live.size());
  for (auto& [key, object] : live) result.push_back(std::move(object));
  return result;
}

}  // namespace capstan::controller
