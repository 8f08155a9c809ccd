#include "controller/apps_source.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "controller/kube_destinations.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/log.h"

namespace capstan::controller {

AppsSource::AppsSource(AppsSourceOptions options, Revisions& revisions,
                       KubeDestinations* destinations, Callback on_change)
    : options_(std::move(options)),
      revisions_(revisions),
      destinations_(destinations),
      on_change_(std::move(on_change)) {}

AppsSource::~AppsSource() { Stop(); }

Result<std::vector<Application>> AppsSource::ReadCluster() {
  target::Selector selector;
  selector.api_version = std::string(kApplicationApiVersion);
  selector.kind = std::string(kApplicationKind);
  auto objects = destinations_->Current().List(selector);
  if (!objects.ok()) {
    if (objects.error().code() == ErrorCode::kNotFound) return std::vector<Application>{};
    return objects.error();
  }
  std::vector<Application> apps;
  for (const Value& object : *objects) {
    std::string where =
        fmt::format("cluster Application {}/{}", NamespaceOf(object), NameOf(object));
    Value spec_only = object;
    spec_only.Erase("status");  // Argo CD's status is not ours to read
    auto app = ParseApplication(spec_only, where);
    if (!app.ok()) {
      Log(LogLevel::kWarning, "{}", app.error().message());
      continue;
    }
    apps.push_back(std::move(*app));
  }
  return apps;
}

Result<std::vector<Application>> AppsSource::Read() {
  std::vector<Application> apps;
  if (!options_.location.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(options_.location, ec)) {
      auto loaded = LoadApplications(options_.location);
      if (!loaded.ok()) return loaded.error();
      apps = std::move(*loaded);
    } else {
      auto revision = revisions_.Resolve(options_.location, options_.revision, true);
      if (!revision.ok()) return revision.error().Wrap("--apps");
      std::filesystem::path dir = revision->checkout / options_.path;
      auto loaded = LoadApplications(dir);
      if (!loaded.ok()) return loaded.error();
      apps = std::move(*loaded);
    }
  }
  if (options_.from_cluster && destinations_ != nullptr) {
    auto cluster = ReadCluster();
    if (!cluster.ok()) return cluster.error().Wrap("Applications in the cluster");
    std::set<std::string> names;
    for (const Application& app : apps) names.insert(app.name);
    for (Application& app : *cluster) {
      if (names.contains(app.name)) {
        Log(LogLevel::kWarning, "{}: an Application {} also comes from {}; the file wins",
            app.source_file, app.name, options_.location);
        continue;
      }
      apps.push_back(std::move(app));
    }
  }
  return apps;
}

Status AppsSource::LoadOnce() {
  auto apps = Read();
  if (!apps.ok()) return apps.error();
  std::string fingerprint;
  for (const Application& app : *apps) fingerprint += EmitJson(app.raw) + "\n";
  fingerprint = Sha256Hex(fingerprint);
  if (fingerprint == last_fingerprint_) return OkStatus();
  last_fingerprint_ = fingerprint;
  for (const Application& app : *apps) {
    for (const std::string& warning : app.warnings) {
      Log(LogLevel::kWarning, "{}: Application {}: {}", app.source_file, app.name, warning);
    }
  }
  Log(LogLevel::kInfo, "{} Application(s) loaded", apps->size());
  on_change_(std::move(*apps));
  return OkStatus();
}

void AppsSource::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; })) {
      lock.unlock();
      if (auto loaded = LoadOnce(); !loaded.ok()) {
        Log(LogLevel::kWarning, "keeping the last Applications: {}", loaded.error().message());
      }
      lock.lock();
    }
  });
}

void AppsSource::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace capstan::controller
