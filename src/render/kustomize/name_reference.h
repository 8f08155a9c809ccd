// Internal to the kustomize builder: after every name has changed (prefixes, suffixes,
// hashes, namespaces), rewrite the references to those names, as kustomize's name
// reference transformer does at the end of a build.
//
// For each referring field (e.g. a Deployment's volumes[].configMap.name) holding a name
// X, the candidates are the objects of the referred kind that were once called X and
// that the referrer can see (same namespace, cluster-scoped, or — for RoleBindings —
// the namespaces of their ServiceAccount subjects). One candidate: X becomes its current
// name. Several: those whose prefixes and suffixes match the referrer's win; if they
// still disagree on the name, it is an error. None: the field is left alone.
#pragma once

#include "core/result.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

Status FixNameReferences(ResMap& resources);

}  // namespace capstan::render::kustomize
