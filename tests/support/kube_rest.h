// JSON requests to the API server for the test stand-in for a kubelet, through the
// project's Kubernetes transport (target/kube). The stand-in needs what a kubelet does and
// capstan's KubeClient does not offer: creating a Node with its status, the pods/status and
// nodes/status subresources, a delete with a grace period of 0, and its own Lease.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"
#include "target/kube/internal/transport.h"

namespace capstan::standin {

// Thread-safe as the Transport is. `transport` must outlive this.
class KubeRest {
 public:
  explicit KubeRest(target::kube::Transport& transport) : transport_(transport) {}

  // POST `object` to `path` (create). Conflict when it exists.
  Result<Value> Create(const std::string& path, const Value& object);
  // PATCH `path` with a JSON merge patch (RFC 7386): lists in `patch` replace whole lists.
  Result<Value> MergePatch(const std::string& path, const Value& patch);
  // Server-side apply of `object` at `path` as field manager `manager`, forcing conflicts.
  Result<Value> Apply(const std::string& path, const Value& object, std::string_view manager);
  // DELETE `path` with `options` (a DeleteOptions body). Missing is not an error.
  Status Delete(const std::string& path, const Value& options);

 private:
  Result<Value> Json(const target::kube::HttpRequest& request);

  target::kube::Transport& transport_;
};

// `text` percent-encoded for a query parameter value ("spec.nodeName=a" -> "spec.nodeName%3Da").
std::string QueryEscape(std::string_view text);

}  // namespace capstan::standin
