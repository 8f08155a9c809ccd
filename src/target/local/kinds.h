// The kinds the local target runs, in one table: what LookupKind answers, what Apply
// accepts, and what an error lists when something else arrives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "target/target.h"

namespace capstan::target::local {

const std::vector<KindInfo>& LocalKinds();

// The entry for `api_version`/`kind`, or nullopt when the local target does not run it.
std::optional<KindInfo> FindLocalKind(std::string_view api_version, std::string_view kind);

// "v1/Namespace, v1/ConfigMap, ..., networking.k8s.io/v1/Ingress": for error messages.
std::string SupportedKindsText();

}  // namespace capstan::target::local
