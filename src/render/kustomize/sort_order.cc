#include "render/kustomize/sort_order.h"

#include <algorithm>
#include <map>

namespace capstan::render::kustomize {
namespace {

const std::vector<std::string> kDefaultFirst = {"Namespace",
                                                "ResourceQuota",
                                                "StorageClass",
                                                "CustomResourceDefinition",
                                                "ServiceAccount",
                                                "PodSecurityPolicy",
                                                "Role",
                                                "ClusterRole",
                                                "RoleBinding",
                                                "ClusterRoleBinding",
                                                "ConfigMap",
                                                "Secret",
                                                "Endpoints",
                                                "Service",
                                                "LimitRange",
                                                "PriorityClass",
                                                "PersistentVolume",
                                                "PersistentVolumeClaim",
                                                "Deployment",
                                                "StatefulSet",
                                                "CronJob",
                                                "PodDisruptionBudget"};
const std::vector<std::string> kDefaultLast = {"MutatingWebhookConfiguration",
                                               "ValidatingWebhookConfiguration"};

std::string GvkSortKey(const ResId& id) {
  return (id.group.empty() ? "~G" : id.group) + "_" + (id.version.empty() ? "~V" : id.version) +
         "_" + (id.kind.empty() ? "~K" : id.kind);
}

std::string IdSortKey(const ResId& id) {
  return (id.ns.empty() ? "~X" : id.ns) + "|" + (id.name.empty() ? "~N" : id.name);
}

}  // namespace

void SortResources(ResMap& resources, const std::optional<SortOptions>& options) {
  if (options && options->order == "fifo") return;
  const auto& first = options && options->order_first ? *options->order_first : kDefaultFirst;
  const auto& last = options && options->order_last ? *options->order_last : kDefaultLast;
  std::map<std::string, int> rank;
  for (size_t i = 0; i < first.size(); ++i) {
    rank[first[i]] = static_cast<int>(i) - static_cast<int>(first.size());
  }
  for (size_t i = 0; i < last.size(); ++i) rank[last[i]] = static_cast<int>(i) + 1;
  auto rank_of = [&](const std::string& kind) {
    auto it = rank.find(kind);
    return it == rank.end() ? 0 : it->second;
  };
  std::vector<std::pair<ResId, size_t>> keyed;
  for (size_t i = 0; i < resources.size(); ++i) keyed.emplace_back(resources[i].CurId(), i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    const ResId& a = x.first;
    const ResId& b = y.first;
    bool same_gvk = a.group == b.group && a.version == b.version && a.kind == b.kind;
    if (!same_gvk) {
      int ra = rank_of(a.kind), rb = rank_of(b.kind);
      if (ra != rb) return ra < rb;
      // kustomize puts a core Namespace after a same-named kind of another group.
      if (a.kind == "Namespace" && b.kind == "Namespace" && (a.group.empty() || b.group.empty())) {
        return GvkSortKey(a) > GvkSortKey(b);
      }
      return GvkSortKey(a) < GvkSortKey(b);
    }
    return IdSortKey(a) < IdSortKey(b);
  });
  ResMap sorted;
  sorted.reserve(resources.size());
  for (auto& [id, index] : keyed) sorted.push_back(std::move(resources[index]));
  resources = std::move(sorted);
}

}  // namespace capstan::render::kustomize
