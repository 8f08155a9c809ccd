// LocalTarget: the Target interface over the local target's ObjectStore, so sync, health,
// diff and the CLI treat this machine like a cluster (`destination.name: local`).
//
// What Kubernetes' API server would refuse, this refuses too, with its words where they
// exist: a kind the local target does not run (listing those it does), a namespaced object
// in a namespace that does not exist (`namespaces "demo" not found`), and whatever the
// runtime's validator rejects (unsupported pod fields, named with their path).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "target/local/object_store.h"
#include "target/target.h"

namespace capstan::target::local {

// Checks an object before it is stored (the runtime checks pod specs); Invalid names the
// object and field.
using Validator = std::function<Status(const Value& object)>;

// Namespaces that exist without being applied, as on a new cluster.
inline constexpr const char* kBuiltinNamespaces[] = {"default", "kube-system", "kube-public"};

class LocalTarget final : public Target {
 public:
  // `objects` must outlive this.
  explicit LocalTarget(ObjectStore& objects, Validator validator = {});

  std::string Describe() const override { return "local (this machine, podman)"; }
  Result<KindInfo> LookupKind(const std::string& api_version, const std::string& kind) override;
  Result<Value> Apply(const Value& object, const ApplyOptions& options) override;
  Result<std::optional<Value>> Get(const ObjectKey& key, const std::string& api_version) override;
  Result<std::vector<Value>> List(const Selector& selector) override;
  // Background propagation: dependents (by controller owner reference) go too; a Pod is
  // marked deleting and removed once the kubelet stopped its containers; a Namespace takes
  // everything in it.
  Status Delete(const ObjectKey& key, const DeleteOptions& options) override;

 private:
  void DeleteCascading(const ObjectKey& key);

  ObjectStore& objects_;
  const Validator validator_;
};

}  // namespace capstan::target::local
