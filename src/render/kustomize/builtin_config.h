// Internal to the kustomize builder: kustomize's built-in field specs, i.e. which fields
// of which kinds each transformer touches. These are behaviour of kustomize 5.6, kept as
// plain data so they can be compared with it line by line.
#pragma once

#include <vector>

#include "render/kustomize/field_spec.h"

namespace capstan::render::kustomize {

// commonLabels (and labels with includeSelectors): metadata, selectors, pod templates.
const std::vector<FieldSpec>& CommonLabelSpecs();
// labels with includeTemplates: metadata and pod-template labels, no selectors.
const std::vector<FieldSpec>& TemplateLabelSpecs();
// commonAnnotations: metadata and pod templates.
const std::vector<FieldSpec>& CommonAnnotationSpecs();
// namespace: besides metadata.namespace (handled apart), these.
const std::vector<FieldSpec>& NamespaceSpecs();
// images: container and init-container images of pods and pod templates.
const std::vector<FieldSpec>& ImageSpecs();
// replicas: spec.replicas of the scalable kinds.
const std::vector<FieldSpec>& ReplicaSpecs();

// A kind whose name other objects refer to, and the fields where they do.
struct NameBackReference {
  Gvk target;
  std::vector<FieldSpec> referrers;
};
// In the order kustomize applies them (ConfigMap before Secret...).
const std::vector<NameBackReference>& NameReferenceSpecs();

}  // namespace capstan::render::kustomize
