#include "render/cache.h"

#include <algorithm>
#include <cassert>
#include <system_error>
#include <vector>

#include "core/hash.h"
#include "core/log.h"
#include "render/internal/generators.h"
#include "render/internal/read_tracker.h"

namespace capstan::render {
namespace fs = std::filesystem;

struct RenderCache::Entry {
  std::string key;
  std::vector<Dependency> dependencies;
  RenderResult result;
};

namespace {

// States of one request kept at once (say, a branch and its revert); older ones of the
// same request are dropped first.
constexpr size_t kMaxEntriesPerRequest = 4;

Value Strings(const std::vector<std::string>& strings) {
  Value out = Value::MakeArray();
  for (const std::string& s : strings) out.as_array().emplace_back(s);
  return out;
}

bool Unchanged(const std::vector<Dependency>& dependencies) {
  return std::all_of(dependencies.begin(), dependencies.end(), [](const Dependency& d) {
    return CurrentFingerprint(d.kind, d.target) == d.fingerprint;
  });
}

}  // namespace

std::string RenderRequestKey(const RenderRequest& request) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(request.root, ec), ec);
  Value key = Value::MakeObject();
  key.Set("root", root.string());
  key.Set("path", request.path);
  key.Set("kind", SourceKindName(request.kind));
  key.Set("recurse", request.directory.recurse);
  key.Set("include", Strings(request.directory.include));
  key.Set("exclude", Strings(request.directory.exclude));
  key.Set("kustomizeFallback", request.kustomize.fallback_binary);
  const KustomizeOverrides& overrides = request.kustomize.overrides;
  Value images = Value::MakeArray();
  for (const std::string& image : overrides.images) images.as_array().emplace_back(image);
  key.Set("kustomizeImages", std::move(images));
  key.Set("kustomizeNamePrefix", overrides.name_prefix);
  key.Set("kustomizeNameSuffix", overrides.name_suffix);
  key.Set("kustomizeNamespace", overrides.namespace_);
  Value labels = Value::MakeObject();
  for (const auto& [name, value] : overrides.common_labels) labels.Set(name, value);
  key.Set("kustomizeCommonLabels", std::move(labels));
  Value annotations = Value::MakeObject();
  for (const auto& [name, value] : overrides.common_annotations) annotations.Set(name, value);
  key.Set("kustomizeCommonAnnotations", std::move(annotations));
  const HelmOptions& helm = request.helm;
  key.Set("releaseName", helm.release_name);
  key.Set("namespace", helm.namespace_);
  key.Set("valueFiles", Strings(helm.value_files));
  key.Set("values", helm.values);
  Value parameters = Value::MakeArray();
  for (const HelmParameter& p : helm.parameters) {
    parameters.as_array().push_back(Strings({p.name, p.value, p.force_string ? "string" : ""}));
  }
  key.Set("parameters", std::move(parameters));
  key.Set("helm", helm.helm_binary);
  key.Set("timeout", helm.timeout_seconds);
  return ContentHash(key);
}

RenderCache::RenderCache(size_t max_entries) : max_entries_(max_entries) {
  assert(max_entries > 0);
}

Result<RenderResult> RenderCache::Render(const RenderRequest& request) {
  std::string key = RenderRequestKey(request);
  std::vector<EntryPtr> candidates;
  {
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return !in_flight_.contains(key); });
    in_flight_.insert(key);
    for (const EntryPtr& entry : entries_) {
      if (entry->key == key) candidates.push_back(entry);
    }
  }
  // Whatever happens below, the next request for `key` may proceed afterwards.
  struct FinishGuard {
    RenderCache* cache;
    const std::string& key;
    ~FinishGuard() { cache->Finish(key); }
  } guard{this, key};

  // Fingerprints are recomputed without the lock: they read files.
  for (const EntryPtr& candidate : candidates) {
    if (!Unchanged(candidate->dependencies)) continue;
    {
      std::lock_guard lock(mu_);
      ++stats_.hits;
      auto it = std::find(entries_.begin(), entries_.end(), candidate);
      if (it != entries_.end()) entries_.splice(entries_.begin(), entries_, it);
    }
    return candidate->result;
  }

  ReadTracker tracker;
  auto result = RenderTracked(request, &tracker);
  if (result.ok()) {
    auto entry = std::make_shared<Entry>(Entry{key, tracker.Dependencies(), *result});
    Log(LogLevel::kDebug, "render cache: stored {} with {} inputs", request.path,
        entry->dependencies.size());
    Insert(std::move(entry));
  } else {
    std::lock_guard lock(mu_);
    ++stats_.misses;
  }
  return result;
}

void RenderCache::Insert(EntryPtr entry) {
  std::lock_guard lock(mu_);
  ++stats_.misses;
  const std::string& key = entry->key;
  size_t same = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if ((*it)->key == key && ++same >= kMaxEntriesPerRequest) {
      it = entries_.erase(it);
      ++stats_.evictions;
    } else {
      ++it;
    }
  }
  entries_.push_front(std::move(entry));
  while (entries_.size() > max_entries_) {
    entries_.pop_back();
    ++stats_.evictions;
  }
}

void RenderCache::Finish(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
  }
  done_.notify_all();
}

RenderCache::Stats RenderCache::stats() const {
  std::lock_guard lock(mu_);
  Stats out = stats_;
  out.entries = entries_.size();
  return out;
}

void RenderCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace capstan::render
