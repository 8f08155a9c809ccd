// Internal to the kustomize builder: the order of kustomize's output.
//
// By default (and with `sortOptions: {order: legacy}`) objects are sorted by kind —
// Namespace, ResourceQuota, StorageClass, CustomResourceDefinition, ServiceAccount,
// PodSecurityPolicy, Role, ClusterRole, RoleBinding, ClusterRoleBinding, ConfigMap,
// Secret, Endpoints, Service, LimitRange, PriorityClass, PersistentVolume,
// PersistentVolumeClaim, Deployment, StatefulSet, CronJob, PodDisruptionBudget first, in
// that order; MutatingWebhookConfiguration and ValidatingWebhookConfiguration last;
// every other kind in between — then by "group_version_kind", then by namespace and
// name. `legacySortOptions` replaces the two kind lists; `order: fifo` keeps load order.
#pragma once

#include <optional>

#include "render/kustomize/kustomization.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

void SortResources(ResMap& resources, const std::optional<SortOptions>& options);

}  // namespace capstan::render::kustomize
