#include "target/kube/live_cache.h"

namespace capstan::target::kube {

LiveCache::LiveCache(KubeClient& client, AppChangedCallback on_change, InformerOptions options)
    : client_(client), on_change_(std::move(on_change)), options_(options) {}

LiveCache::~LiveCache() {
  std::map<std::string, std::unique_ptr<Informer>> informers;
  {
    std::lock_guard lock(informers_mu_);
    informers.swap(informers_);
  }
  for (auto& [name, informer] : informers) informer->Stop();
}

Status LiveCache::EnsureKind(const std::string& api_version, const std::string& kind) {
  std::string name = std::string(GroupOf(api_version)) + "/" + kind;
  std::lock_guard lock(informers_mu_);
  if (informers_.contains(name)) return OkStatus();
  Result<KindInfo> info = client_.LookupKind(api_version, kind);
  if (!info.ok()) return std::move(info).error().Wrap("live cache");
  Selector selector{api_version, kind, "", kAppLabel, ""};
  informers_[name] = std::make_unique<Informer>(
      client_, selector, [this](const WatchEvent& event) { OnEvent(event); }, options_);
  return OkStatus();
}

bool LiveCache::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::lock_guard lock(informers_mu_);
  for (const auto& [name, informer] : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!informer->WaitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

std::vector<Value> LiveCache::Snapshot(const std::string& app) const {
  std::lock_guard lock(mu_);
  std::vector<Value> objects;
  auto it = by_app_.find(app);
  if (it == by_app_.end()) return objects;
  objects.reserve(it->second.size());
  for (const auto& [key, object] : it->second) objects.push_back(object);
  return objects;
}

std::vector<std::string> LiveCache::Kinds() const {
  std::lock_guard lock(informers_mu_);
  std::vector<std::string> kinds;
  for (const auto& [name, informer] : informers_) kinds.push_back(name);
  return kinds;
}

void LiveCache::OnEvent(const WatchEvent& event) {
  ObjectKey key = KeyOf(event.object);
  std::string app(event.object.StringAt({"metadata", "labels", kAppLabel}));
  if (event.type == WatchEvent::Type::kDeleted) app.clear();
  std::string old_app;
  {
    std::lock_guard lock(mu_);
    if (auto it = app_of_.find(key); it != app_of_.end()) {
      old_app = it->second;
      if (old_app != app) {
        auto& objects = by_app_[old_app];
        objects.erase(key);
        if (objects.empty()) by_app_.erase(old_app);
        app_of_.erase(it);
      }
    }
    if (!app.empty()) {
      by_app_[app][key] = event.object;
      app_of_[key] = app;
    }
  }
  if (!on_change_) return;
  if (!old_app.empty() && old_app != app) on_change_(old_app);
  if (!app.empty()) on_change_(app);
}

}  // namespace capstan::target::kube
