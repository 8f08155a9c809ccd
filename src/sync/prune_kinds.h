// The kinds searched for prune candidates besides those the desired objects hold: an
// object of a kind that has left Git entirely (the last ConfigMap deleted) is still found
// and pruned. Shared by `capstan apply` and the controller.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace capstan::sync {

// (apiVersion, kind) pairs of the namespaced built-in kinds applications usually hold.
const std::vector<std::pair<std::string, std::string>>& CommonPruneKinds();

}  // namespace capstan::sync
