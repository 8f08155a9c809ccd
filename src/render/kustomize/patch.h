// Patching primitives used by the kustomize pipeline. Pure functions on Values.
#pragma once

#include <string>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::render {

// Applies a strategic-merge patch to `target` in place, as kustomize 5.6/5.7 do (kyaml's
// merge2, not kubectl's apimachinery merge):
//   - maps merge recursively; `null` in the patch deletes the field;
//   - lists that the built-in Kubernetes v1.21.2 schema marks "merge" merge by their keys
//     (containers, initContainers, ephemeralContainers, volumes, env, imagePullSecrets by
//     name; container ports by containerPort+protocol; Service ports by port+protocol;
//     volumeMounts by mountPath; hostAliases by ip; topologySpreadConstraints by
//     topologyKey+whenUnsatisfiable; finalizers as a set): the patch's elements come
//     first, in patch order, then the target's other elements; every other list
//     (args, tolerations, and all lists of custom resources) is replaced;
//   - `$patch: delete|replace|merge` on maps and lists, and `$patch: delete` on list
//     elements, are honoured; `$retainKeys`, `$setElementOrder/<f>` and
//     `$deleteFromPrimitiveList/<f>` are NOT (kustomize copies them as ordinary fields);
//   - kinds without a built-in schema (custom resources) get the same walk with no
//     mergeable lists, which is JSON merge patch (RFC 7386) plus the `$patch` directives;
//   - the two-argument form is the merge alone: a patch's kind, metadata.name and
//     metadata.namespace are merged like any field. The form with SmpOptions then puts
//     back the target's kind and name (unless the options allow changing them) and always
//     its namespace, as kustomize's Resource.ApplySmPatch does.
// A top-level `$patch: delete` leaves `target` null: the caller must drop the object.
// Errors (a patch or target that is not a map, a map merged into a list, an unknown
// `$patch` value) name the field and leave `target` unchanged.
struct SmpOptions {
  bool allow_name_change = false;  // kustomize `options.allowNameChange`
  bool allow_kind_change = false;  // kustomize `options.allowKindChange`
};
Status ApplyStrategicMergePatch(Value& target, const Value& patch);
Status ApplyStrategicMergePatch(Value& target, const Value& patch, const SmpOptions& options);

// Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test) to `target`.
// `operations` is the parsed list of operations. On error `target` is left unchanged.
Status ApplyJson6902(Value& target, const Value& operations);

// kustomize's patch target selector (group, version, kind, name, namespace as regular
// expressions anchored at both ends; labelSelector and annotationSelector in Kubernetes
// label-selector syntax: "a=b,c!=d,e in (x,y),!f,g").
struct TargetSelector {
  std::string group, version, kind, name, namespace_;
  std::string label_selector, annotation_selector;
};

// Reads a `target:` map. Unknown fields, regular expressions that do not compile and
// label selectors that do not parse are errors naming the field.
Result<TargetSelector> ParseTargetSelector(const Value& target);
// Whether `object` is selected. An empty selector selects everything. Namespaces compare
// as kustomize's effective namespace: an unset namespace is "default"; cluster-scoped
// built-in kinds have none (a `namespace:` naming a real namespace never matches them).
Result<bool> Matches(const TargetSelector& selector, const Value& object);
// Like the above, but name and namespace also match when they match one of `previous`:
// kustomize tries an object's original id (before namePrefix/nameSuffix/namespace
// changed it) as well as its current one. Only name and ns of `previous` are used.
Result<bool> Matches(const TargetSelector& selector, const Value& object,
                     const std::vector<ObjectKey>& previous);

// Applies kustomize `replacements` to `objects` in place, in order, as kustomize 5.6/5.7
// do. Each replacement has a `source` ({group, version, kind, name, namespace, fieldPath
// (default metadata.name), options{delimiter, index}}) or a literal `sourceValue` (5.7),
// and `targets` [{select, reject, fieldPaths, options{delimiter, index, create}}].
// Sources, `select` and `reject` compare ids exactly (no regular expressions, unlike patch
// targets; an unset namespace equals "default"); `select`/`reject` may also carry label
// and annotation selectors. Field paths use kustomize's syntax:
// "spec.template.spec.containers.[name=app].image", "metadata.annotations.[a.b/c]",
// numeric list indexes, and in targets "*" for every element; in targets "[key=value]"
// is an unanchored regular expression ("[name=app]" also picks "app-metrics").
// A scalar target keeps its type (text that does not fit, e.g. "db:5432" into
// spec.replicas, is an error); created scalar fields take the type their text reads as.
// Sources and targets are also found by the ids objects had before namePrefix, nameSuffix
// or namespace changed them: pass them in `previous_ids` (one list per object, oldest
// first; only kind, name and ns are read), or leave them in kustomize's build annotations
// (config.kubernetes.io/previousNames, previousNamespaces, previousKinds) for the
// two-argument form. A source that is missing or matched twice, a target field that does
// not exist without `create`, or text that does not fit a typed field is an error naming
// the replacement, target index, object and field path. On error `objects` may be
// partly changed (callers discard them).
Status ApplyReplacements(std::vector<Manifest>& objects, const Value& replacements);
Status ApplyReplacements(std::vector<Manifest>& objects, const Value& replacements,
                         const std::vector<std::vector<ObjectKey>>& previous_ids);

}  // namespace capstan::render
