// The slice of the Kubernetes OpenAPI schema that strategic merge needs: which lists of
// which built-in types merge by key (x-kubernetes-patch-strategy: merge) and with which
// keys. kustomize 5.6/5.7 compile in the Kubernetes v1.21.2 schema; the table in
// strategic_merge_keys.cc holds the same facts, pruned to the types that lead to a
// mergeable list. Internal to the kustomize patch code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace capstan::render::smp {

// A schema type: the OpenAPI definition name without its "io.k8s." prefix
// ("api.core.v1.PodSpec"). Empty when there is no schema (custom resources, fields the
// table does not list): such lists are replaced, maps still merge.
using SchemaType = std::string_view;

struct FieldSchema {
  // Type of the field's value; for a list, the type of its elements.
  SchemaType type;
  // The list merges element by element (patch strategy contains "merge").
  bool merge_list = false;
  // Merge keys, in schema order (x-kubernetes-list-map-keys when present, else the
  // patchMergeKey); empty for a mergeable list of scalars (finalizers).
  std::vector<std::string> keys;
};

// The schema of a top-level object ("apps/v1", "Deployment"), or empty when unknown.
SchemaType SchemaForResource(std::string_view api_version, std::string_view kind);

// The schema of `field` inside a value of type `parent`; empty FieldSchema when either is
// unknown.
FieldSchema FieldOf(SchemaType parent, std::string_view field);

// Whether the built-in schema says this kind is cluster-scoped (Namespace, ClusterRole...).
// Unknown kinds (custom resources) count as namespaced, as in kustomize.
bool IsClusterScoped(std::string_view api_version, std::string_view kind);

}  // namespace capstan::render::smp
