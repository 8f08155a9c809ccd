// target/kube: capstan's Kubernetes client. KubeClient implements target::Target for one
// cluster (one kubeconfig context) over the REST API: discovery, server-side apply, get,
// paginated list, delete, and watch. Informer (informer.h) and LiveCache (live_cache.h)
// build on it.
//
//   auto config = kube::LoadKubeConfig("/home/me/.kube/config", "prod");
//   auto client = kube::KubeClient::Create(*config);
//   auto live = (*client)->Apply(manifest, {.force = false, .dry_run = false});
#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "target/kube/kubeconfig.h"
#include "target/kube/options.h"
#include "target/target.h"

namespace capstan::target::kube {

class Transport;
class Discovery;

// One page-complete List with the collection's resourceVersion, from which a Watch
// continues without missing a change.
struct ListResult {
  std::vector<Value> items;      // each with apiVersion and kind filled in
  std::string resource_version;  // of the list as a whole
};

// How a Watch ended when it did not fail.
struct WatchEnd {
  enum class Reason {
    kStopped,  // the stop token was requested or the callback asked to stop
    kClosed,   // the server ended the stream (its time-out); watch again from resource_version
    kGone,     // resource_version is too old (HTTP 410 or an ERROR event with code 410):
               // list again, then watch from the new list's version
  };
  Reason reason = Reason::kClosed;
  // The last version seen (an event's object or a bookmark); the one passed in when no
  // event came.
  std::string resource_version;
};

// Called for each Added/Modified/Deleted event, in order, on the watching thread. Return
// false to end the watch (WatchEnd::kStopped).
using WatchCallback = std::function<bool(const WatchEvent&)>;

// Thread-safe: every method may be called from several threads at once. Owns its HTTP
// transport and discovery cache.
class KubeClient final : public Target {
 public:
  // Invalid when the kubeconfig's server URL is unusable. No request is made here: an
  // unreachable server shows on the first call (Unavailable).
  static Result<std::unique_ptr<KubeClient>> Create(const KubeConfig& config,
                                                    const KubeClientOptions& options = {});
  ~KubeClient() override;

  // "kube https://127.0.0.1:6443 (context dev)". Never holds credentials.
  std::string Describe() const override;

  // From discovery (cached; a miss asks the server again at most every
  // options.discovery_refresh_interval). NotFound when the server does not serve it.
  Result<KindInfo> LookupKind(const std::string& api_version, const std::string& kind) override;

  // Server-side apply as kFieldManager: PATCH application/apply-patch+yaml.
  // A namespaced object without metadata.namespace goes to the context's namespace (or
  // "default"); a cluster-scoped object's namespace is dropped. Invalid when the object
  // has no apiVersion, kind or metadata.name (generateName cannot be applied); NotFound
  // when its kind is not served; Conflict, Invalid as Target says.
  Result<Value> Apply(const Value& object, const ApplyOptions& options) override;

  // nullopt on 404. An empty key.ns for a namespaced kind means the context's namespace.
  // NotFound (an error, not nullopt) when the kind itself is not served.
  Result<std::optional<Value>> Get(const ObjectKey& key,
                                   const std::string& api_version = "") override;

  // All pages (options.list_page_size per request); items carry apiVersion and kind.
  Result<std::vector<Value>> List(const Selector& selector) override;

  // As List, with the list's resourceVersion for a following Watch. A continue token
  // that expires mid-way (410) is an error (Conflict "gone"); the caller lists again.
  Result<ListResult> ListWithVersion(const Selector& selector);

  // DELETE with DeleteOptions{propagationPolicy, dryRun}; a missing object is OK.
  Status Delete(const ObjectKey& key, const DeleteOptions& options) override;

  // Streams changes of the objects `selector` matches, starting after
  // `resource_version` (empty: the server's current state, as synthetic Added events
  // first), with bookmarks. Blocks the calling thread until the stream ends: returns
  // kStopped within about 100 ms of `stop` being requested or when `callback` returns
  // false, kClosed when the server closes it (after options.watch_timeout), kGone on
  // 410. Errors: the HTTP error of the request (NotFound for an unserved kind,
  // Unavailable when unreachable), an ERROR event's status other than 410, Invalid for
  // a malformed event or a line over options.max_watch_line_bytes. Not retried: callers
  // (Informer) decide.
  Result<WatchEnd> Watch(const Selector& selector, const std::string& resource_version,
                         const WatchCallback& callback, const std::stop_token& stop = {});

  // The namespace a namespaced object without one goes to: the context's, or "default".
  const std::string& default_namespace() const { return default_namespace_; }

 private:
  KubeClient(const KubeConfig& config, const KubeClientOptions& options,
             std::unique_ptr<Transport> transport);

  // Constant after construction.
  std::string description_;
  std::string default_namespace_;
  KubeClientOptions options_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Discovery> discovery_;
};

}  // namespace capstan::target::kube
