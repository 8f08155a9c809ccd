// Discovery: which kinds an API server serves, under which resource name, and whether
// they live in namespaces. Cached per group version; a miss asks again (rate-bounded),
// so a CustomResourceDefinition established a moment ago is found.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/result.h"
#include "target/kube/internal/transport.h"
#include "target/target.h"

namespace capstan::target::kube {

// Thread-safe. Holds a reference to `transport`, which must outlive it.
class Discovery {
 public:
  Discovery(Transport& transport, std::chrono::milliseconds refresh_interval);

  // The kind `kind` in `api_version` ("apps/v1", "v1"). NotFound (naming both) when the
  // server does not serve it; Unavailable when the server cannot be asked.
  Result<KindInfo> Lookup(const std::string& api_version, const std::string& kind);

  // The kind in the server's preferred version of `group` ("" for the core group).
  Result<KindInfo> LookupPreferred(const std::string& group, const std::string& kind);

 private:
  using Clock = std::chrono::steady_clock;
  struct Resource {
    std::string resource;
    bool namespaced = true;
  };
  struct GroupVersion {
    bool served = false;
    std::map<std::string, Resource> kinds;  // by kind
    Clock::time_point fetched;
  };

  // Asks the server for one group version's resources (GET /api/v1 or /apis/g/v).
  Result<GroupVersion> FetchGroupVersion(const std::string& api_version);
  // Asks the server for the groups and their preferred versions (GET /apis).
  Result<std::map<std::string, std::string>> FetchPreferredVersions();
  bool Due(Clock::time_point fetched) const;

  Transport& transport_;
  const std::chrono::milliseconds refresh_interval_;

  std::mutex mu_;
  std::map<std::string, GroupVersion> versions_;  // guarded by mu_; by api_version
  std::map<std::string, std::string> preferred_;  // guarded by mu_; group -> version
  Clock::time_point preferred_fetched_;           // guarded by mu_
  bool preferred_loaded_ = false;                 // guarded by mu_
};

}  // namespace capstan::target::kube
