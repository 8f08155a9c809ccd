// Internal to the kustomize builder: the built-in transformers that are not patches, each
// applied to every object of the accumulated list exactly as kustomize's builtin plugin of
// the same name does (including where it records previous ids for name references).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "render/kustomize/field_spec.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

// `namespace:` sets metadata.namespace on every namespaced object, renames Namespace
// objects (apiVersion v1) to it, fills subjects named "default" of (Cluster)RoleBindings
// and the service namespace of APIServices. Two objects ending with one id is an error.
Status ApplyNamespace(ResMap& resources, const std::string& ns);

// `namePrefix:` / `nameSuffix:` on every object except Namespaces, CRDs and APIServices.
Status ApplyNamePrefix(ResMap& resources, const std::string& prefix);
Status ApplyNameSuffix(ResMap& resources, const std::string& suffix);

// Sets each label (or annotation) at every field `specs` name, creating the maps.
Status ApplyLabels(ResMap& resources, const std::map<std::string, std::string>& labels,
                   const std::vector<FieldSpec>& specs);
Status ApplyAnnotations(ResMap& resources, const std::map<std::string, std::string>& annotations);

// One `images:` entry: every container/initContainer image (at any depth, except in
// CRDs) whose name matches gets the new name, tag or digest.
Status ApplyImage(ResMap& resources, const ImageEntry& image);

// One `replicas:` entry; an error when no scalable object has that (current or earlier)
// name.
Status ApplyReplicas(ResMap& resources, const ReplicaEntry& replica);

// The field specs a `labels:` entry applies to.
std::vector<FieldSpec> LabelEntrySpecs(const LabelEntry& entry);

}  // namespace capstan::render::kustomize
