#include "target/kube/internal/discovery.h"

#include "core/json.h"
#include "target/kube/internal/api_error.h"

namespace capstan::target::kube {
namespace {

std::string PathOf(const std::string& api_version) {
  return api_version.find('/') == std::string::npos ? "/api/" + api_version
                                                    : "/apis/" + api_version;
}

}  // namespace

Discovery::Discovery(Transport& transport, std::chrono::milliseconds refresh_interval)
    : transport_(transport), refresh_interval_(refresh_interval) {}

bool Discovery::Due(Clock::time_point fetched) const {
  return Clock::now() - fetched >= refresh_interval_;
}

Result<Discovery::GroupVersion> Discovery::FetchGroupVersion(const std::string& api_version) {
  Result<HttpResponse> response = transport_.Send({.method = "GET",
                                                   .path = PathOf(api_version),
                                                   .body = "",
                                                   .content_type = "application/json"});
  if (!response.ok()) return std::move(response).error().Wrap("discovery");
  GroupVersion gv;
  gv.fetched = Clock::now();
  if (response->status == 404) return gv;  // not served (yet)
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, "discovery " + api_version);
  }
  Result<Value> list = ParseJson(response->body, "discovery " + api_version);
  if (!list.ok()) return std::move(list).error();
  gv.served = true;
  if (const Value* resources = list->Find("resources"); resources && resources->is_array()) {
    for (const Value& r : resources->as_array()) {
      std::string name(r.StringAt({"name"}));
      if (name.empty() || name.find('/') != std::string::npos) continue;  // a subresource
      Resource resource{name, true};
      if (const Value* ns = r.Find("namespaced"); ns && ns->is_bool()) {
        resource.namespaced = ns->as_bool();
      }
      gv.kinds.emplace(std::string(r.StringAt({"kind"})), std::move(resource));
    }
  }
  return gv;
}

Result<std::map<std::string, std::string>> Discovery::FetchPreferredVersions() {
  Result<HttpResponse> response = transport_.Send(
      {.method = "GET", .path = "/apis", .body = "", .content_type = "application/json"});
  if (!response.ok()) return std::move(response).error().Wrap("discovery");
  if (response->status >= 400) {
    return ErrorFromResponse(response->status, response->body, "discovery /apis");
  }
  Result<Value> list = ParseJson(response->body, "discovery /apis");
  if (!list.ok()) return std::move(list).error();
  std::map<std::string, std::string> preferred{{"", "v1"}};
  if (const Value* groups = list->Find("groups"); groups && groups->is_array()) {
    for (const Value& group : groups->as_array()) {
      std::string version(group.StringAt({"preferredVersion", "version"}));
      if (!version.empty()) preferred[std::string(group.StringAt({"name"}))] = version;
    }
  }
  return preferred;
}

Result<KindInfo> Discovery::Lookup(const std::string& api_version, const std::string& kind) {
  auto answer = [&](const GroupVersion& gv) -> std::optional<KindInfo> {
    auto it = gv.kinds.find(kind);
    if (it == gv.kinds.end()) return std::nullopt;
    size_t slash = api_version.find('/');
    KindInfo info;
    info.group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    info.version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
    info.kind = kind;
    info.resource = it->second.resource;
    info.namespaced = it->second.namespaced;
    return info;
  };
  {
    std::lock_guard lock(mu_);
    auto it = versions_.find(api_version);
    if (it != versions_.end()) {
      if (std::optional<KindInfo> info = answer(it->second)) return *info;
      if (!Due(it->second.fetched)) {
        return Error::NotFound(transport_.server() + " does not serve " + api_version + " " + kind);
      }
    }
  }
  // Asked without the lock so other lookups go on; two threads missing at once may both
  // ask, which is harmless.
  Result<GroupVersion> fetched = FetchGroupVersion(api_version);
  if (!fetched.ok()) return std::move(fetched).error();
  std::lock_guard lock(mu_);
  GroupVersion& gv = versions_[api_version] = std::move(*fetched);
  if (std::optional<KindInfo> info = answer(gv)) return *info;
  if (!gv.served) {
    return Error::NotFound(transport_.server() + " does not serve apiVersion " + api_version +
                           " (kind " + kind + ")");
  }
  return Error::NotFound(transport_.server() + " does not serve " + api_version + " " + kind);
}

Result<KindInfo> Discovery::LookupPreferred(const std::string& group, const std::string& kind) {
  if (group.empty()) return Lookup("v1", kind);
  std::string version;
  bool refresh = false;
  {
    std::lock_guard lock(mu_);
    auto it = preferred_.find(group);
    if (it != preferred_.end()) {
      version = it->second;
    } else {
      refresh = !preferred_loaded_ || Due(preferred_fetched_);
    }
  }
  if (version.empty() && refresh) {
    Result<std::map<std::string, std::string>> fetched = FetchPreferredVersions();
    if (!fetched.ok()) return std::move(fetched).error();
    std::lock_guard lock(mu_);
    preferred_ = std::move(*fetched);
    preferred_fetched_ = Clock::now();
    preferred_loaded_ = true;
    if (auto it = preferred_.find(group); it != preferred_.end()) version = it->second;
  }
  if (version.empty()) {
    return Error::NotFound(transport_.server() + " does not serve API group " + group + " (kind " +
                           kind + ")");
  }
  return Lookup(group + "/" + version, kind);
}

}  // namespace capstan::target::kube
