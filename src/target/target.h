// target: "make the world look like this". The Target interface is what sync, health and
// the controllers use to read and change a place that runs objects: a Kubernetes cluster
// (target/kube) or, later, the machine capstan runs on (target/local).
//
// Objects cross this interface as Values with Kubernetes' shape (apiVersion, kind,
// metadata, spec, status). Every method may be called from several threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::target {

// The field manager capstan writes with. Load-bearing: server-side apply uses it to know
// which fields capstan owns, so renaming it makes capstan forget its fields.
inline constexpr char kFieldManager[] = "capstan";
// The field manager of capstan's Rollout controller.
inline constexpr char kRolloutsFieldManager[] = "capstan-rollouts";
// The field manager of a person steering a Rollout (`capstan rollout pause|undo`): the spec
// fields they set (spec.paused, spec.template) must outlive the controller's next apply,
// which would drop them were they written as kRolloutsFieldManager.
inline constexpr char kSteeringFieldManager[] = "capstan-steering";

// The label capstan puts on every object it creates for an Application (value: the
// Application's name), so the live-state cache can watch exactly those objects.
inline constexpr char kAppLabel[] = "app.kubernetes.io/instance";
// The annotation that proves capstan created an object for an Application:
// "<app>:<group>/<kind>:<namespace>/<name>", as Argo CD's tracking id. Prune deletes only
// objects whose annotation matches exactly, never one that merely carries the label.
inline constexpr char kTrackingAnnotation[] = "argocd.argoproj.io/tracking-id";

struct ApplyOptions {
  // Take ownership of fields another manager owns instead of failing with Conflict.
  // Default off: a conflict usually means someone else (an HPA, a person) manages it.
  bool force = false;
  // Ask the server to validate and default the object without persisting it
  // (`dryRun=All`). The returned object is what the server would store.
  bool dry_run = false;
  // The field manager to apply as; empty: kFieldManager. The Rollout controller applies as
  // kRolloutsFieldManager so that a sync from Git (as kFieldManager) never takes back the
  // Service selectors and ReplicaSet scales it set.
  std::string field_manager;
  // Apply `object`'s status to the status subresource (what a controller does for the
  // objects it owns: Rollouts, AnalysisRuns); the rest of the object only names it.
  bool status = false;
};

enum class Propagation {
  kBackground,  // delete now; the garbage collector removes dependents later (default)
  kForeground,  // the object stays (with a deletionTimestamp) until its dependents are gone
  kOrphan,      // dependents are kept and lose their owner reference
};

struct DeleteOptions {
  Propagation propagation = Propagation::kBackground;
  bool dry_run = false;
};

// Which objects List and Watch return.
struct Selector {
  std::string api_version;     // "apps/v1", "v1"; required
  std::string kind;            // "Deployment"; required
  std::string ns;              // empty: all namespaces (or a cluster-scoped kind)
  std::string label_selector;  // Kubernetes syntax: "a=b,c in (d),!e"; empty: all
  std::string field_selector;  // "spec.nodeName=n1"; empty: all
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  Value object;
};

// What the target knows about one kind (from discovery).
struct KindInfo {
  std::string group;
  std::string version;  // the preferred (or requested) version
  std::string kind;
  std::string resource;  // plural, "deployments"
  bool namespaced = true;
};

class Target {
 public:
  virtual ~Target() = default;

  // A name for messages: "kube https://127.0.0.1:6443 (context kind-dev)".
  virtual std::string Describe() const = 0;

  // What `api_version`/`kind` is on this target. NotFound when the target does not serve
  // it (yet: a CRD applied a moment ago appears once established).
  virtual Result<KindInfo> LookupKind(const std::string& api_version, const std::string& kind) = 0;

  // Creates or updates `object` by server-side apply as kFieldManager and returns the
  // object the server stored (or would store, with dry_run). Conflict when another field
  // manager owns a field and !options.force; Invalid when the server rejects the object
  // (the message is the server's, prefixed with the object's key).
  virtual Result<Value> Apply(const Value& object, const ApplyOptions& options) = 0;

  // The live object, or std::nullopt when it does not exist. `api_version` picks the
  // version to read in; empty means the preferred one.
  virtual Result<std::optional<Value>> Get(const ObjectKey& key,
                                           const std::string& api_version = "") = 0;

  // Every object matching `selector`, all pages read.
  virtual Result<std::vector<Value>> List(const Selector& selector) = 0;

  // Deletes the object. Deleting one that does not exist is not an error.
  virtual Status Delete(const ObjectKey& key, const DeleteOptions& options) = 0;
};

}  // namespace capstan::target
