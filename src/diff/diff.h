// diff: what differs between the objects Git wants (desired) and the objects a cluster has
// (live), and how to show it.
//
// The question answered is "what would applying `desired` change on the live object?",
// with the answer a real Kubernetes API server (v1.20 and later) would give. Both sides
// go through the same steps before they are compared (docs/diff.md has the details):
//   1. normalize: drop what only the server writes (status, metadata.managedFields,
//      resourceVersion, uid, generation, creationTimestamp, selfLink, deletion*, the
//      kubectl.kubernetes.io/last-applied-configuration and deployment.kubernetes.io/revision
//      annotations, null members), set metadata.namespace by scope, write resource
//      quantities and Secret data the way the server stores them.
//   2. ignore: drop the fields named by DiffOptions::ignore_differences on both sides.
//   3. align: a field that live has and desired does not mention was set by the server
//      (a default, an allocated clusterIP) or by someone else, and applying desired leaves
//      it alone, so it is not a difference; unless the last applied configuration
//      (kubectl's annotation) set it, in which case applying removes it and the server
//      resets it to its default (step 3 fills it from the per-kind defaults tables when
//      DiffOptions::apply_defaults). Absent, null, {} and [] are the same.
//   4. redact: Secret data values are replaced by masks.
//   5. compare: field by field; lists of named things (containers, env, ports, volumes)
//      are paired by name, other lists by index.
// So a freshly applied object shows no difference against the copy the server returns,
// while a change to any field desired sets shows as exactly that change.
//
// All functions here are pure (no I/O) and thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::diff {

// One entry of an Argo CD Application's spec.ignoreDifferences: which objects it applies
// to and which of their fields are not compared.
struct IgnoreDifference {
  // API group of the objects ("" = core group: Service, ConfigMap...; "apps" for
  // Deployments). "*" matches any group.
  std::string group;
  // Kind; required. "*" matches any kind.
  std::string kind;
  // Object name and namespace; empty matches any. `*` in them matches any run of
  // characters ("web-*").
  std::string name;
  std::string namespace_;
  // RFC 6901 JSON pointers ("/spec/replicas", "/spec/template/spec/containers/0/image",
  // "/metadata/annotations/example.com~1owner"); each names a field removed from both sides.
  // A pointer that does not exist on a side is not an error.
  std::vector<std::string> json_pointers;
  // jq path expressions, as Argo CD accepts. NOT SUPPORTED YET: an entry that has any makes
  // Diff and DiffAll fail with an Invalid error naming it, rather than silently
  // comparing fields the user asked to ignore.
  std::vector<std::string> jq_path_expressions;
  // Field managers (metadata.managedFields[].manager of the live object, e.g.
  // "kube-controller-manager" for an HPA's replicas): every field they own is removed from
  // both sides.
  std::vector<std::string> managed_fields_managers;
};

// Reads a list of ignoreDifferences entries in Argo CD's field names (group, kind, name,
// namespace, jsonPointers, jqPathExpressions, managedFieldsManagers). `entries` may be the
// list itself, a map with an `ignoreDifferences` list, or an Argo CD Application (its
// spec.ignoreDifferences). Errors name `source`, the entry index and the field.
Result<std::vector<IgnoreDifference>> ParseIgnoreDifferences(const Value& entries,
                                                             std::string_view source);

struct DiffOptions {
  // Fields not compared, per object. Default: none.
  std::vector<IgnoreDifference> ignore_differences;
  // Fill Kubernetes' defaults (per kind, as a v1.20 API server sets them) into desired
  // where applying it would reset a field: a field the last applied configuration set and
  // desired no longer does then compares as its default (replicas 3 -> 1) instead of as
  // removed, and a removed field whose value was the default shows no difference.
  // Default true; false compares the manifests exactly as written.
  bool apply_defaults = true;
  // Replace the values of a Secret's data (and stringData) by masks in every output of
  // Diff: "++++++++", and "++++++++ (changed)" on the desired side when the value
  // differs, so a change is still visible without its value. Default true. capstan's CLI
  // always sets it; turning it off is for callers that never print the result.
  bool redact_secrets = true;
  // The namespace a namespaced object without metadata.namespace is compared in, as
  // kubectl uses its context's namespace. Default "default". Cluster-scoped kinds
  // (IsClusterScoped) always compare with no namespace, whatever either side says.
  std::string default_namespace = "default";
};

// Closed set, best to worst.
enum class Change {
  kUnchanged,  // both sides exist and no compared field differs
  kModified,   // both sides exist and at least one field differs
  kAdded,      // only desired exists: applying creates the object
  kRemoved,    // only live exists: pruning would delete the object
};

std::string_view ChangeName(Change change);  // "Unchanged", "Modified", "Added", "Removed"

// One field that differs. A missing side is std::nullopt (the field is absent there).
struct FieldChange {
  // Dotted path with list indexes: "spec.template.spec.containers[0].image". Keys that
  // are not plain words are bracketed: `metadata.annotations["example.com/owner"]`. For
  // lists paired by name the index is desired's (live's for an element only live has).
  std::string path;
  std::optional<Value> before;  // live
  std::optional<Value> after;   // desired
};

struct ObjectDiff {
  ObjectKey key;  // with the namespace as compared (default_namespace filled in)
  Change change = Change::kUnchanged;
  // Both sides after normalization, ignoring, alignment and redaction: exactly what was
  // compared, with live's map members in desired's order so printed YAML lines up. Null
  // when that side is missing.
  Value desired;
  Value live;
  std::vector<FieldChange> changes;  // empty unless kModified
  std::string desired_source;        // Manifest::source of each side (DiffAll only)
  std::string live_source;
};

struct DiffSummary {
  size_t unchanged = 0;
  size_t modified = 0;
  size_t added = 0;
  size_t removed = 0;
  size_t differing() const { return modified + added + removed; }
};

struct DiffSet {
  // Desired's objects in desired's order, then objects only live has in live's order.
  std::vector<ObjectDiff> objects;
  DiffSummary summary;
};

// Compares one object. Either pointer may be null (that side is missing); not both.
// REQUIRES: a non-null side passes ValidateObject; when both are given they name the same
// object (group, kind, name, and namespace after defaulting), else an Invalid error.
Result<ObjectDiff> Diff(const Value* desired, const Value* live, const DiffOptions& options);

// Pairs desired and live objects by ObjectKey (namespace defaulted as in Diff) and
// compares each pair. The same key twice on one side is a Conflict error naming both
// sources; an invalid object is an Invalid error naming its source.
Result<DiffSet> DiffAll(const std::vector<Manifest>& desired, const std::vector<Manifest>& live,
                        const DiffOptions& options);

// Whether `kind` of `group` is a built-in cluster-scoped kind (Namespace, Node,
// PersistentVolume, ClusterRole, ClusterRoleBinding, StorageClass, PriorityClass,
// CustomResourceDefinition, APIService, IngressClass, the webhook configurations...).
// Other kinds, custom resources included, are treated as namespaced; a cluster-scoped
// custom resource still pairs correctly because both sides get the same namespace.
bool IsClusterScoped(std::string_view group, std::string_view kind);

// Printers. Neither ever prints more than the ObjectDiffs hold, so with redact_secrets no
// Secret value can appear in their output.

struct UnifiedOptions {
  bool color = false;     // ANSI colours: red removed, green added, cyan hunk headers
  int context_lines = 3;  // unchanged lines around each change, as `diff -u`
};

// A unified diff of the YAML of both sides for every object that differs, each headed
// `--- live: apps/Deployment default/web` / `+++ desired: apps/Deployment default/web`.
// Unchanged objects print nothing.
std::string PrintUnified(const DiffSet& set, const UnifiedOptions& options);
std::string PrintUnified(const ObjectDiff& object, const UnifiedOptions& options);

// "3 objects differ: 1 modified, 1 added, 1 removed" or "No differences (4 objects)".
std::string SummaryLine(const DiffSummary& summary);

// Machine-readable JSON: {"summary": {...counts...}, "objects": [{group, kind, namespace,
// name, change, desiredSource, liveSource, changes: [{path, before, after}], desired,
// live}]}. before/after are left out where a side is absent; desired and live are left
// out for unchanged objects. Pretty-printed with `indent` spaces (compact when < 0).
std::string PrintJson(const DiffSet& set, int indent = 2);

}  // namespace capstan::diff
