// URL paths and query strings of the Kubernetes REST API.
#pragma once

#include <string>
#include <string_view>

#include "target/target.h"

namespace capstan::target::kube {

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string EscapeQuery(std::string_view text);

// "apps/v1" for {apps, v1}; "v1" for the core group.
std::string ApiVersionOf(const KindInfo& info);

// The collection of `info` in namespace `ns`: "/apis/apps/v1/namespaces/shop/deployments";
// all namespaces (or a cluster-scoped kind) when `ns` is empty or the kind is not
// namespaced: "/apis/apps/v1/deployments".
std::string CollectionPath(const KindInfo& info, std::string_view ns);

// CollectionPath + "/" + name.
std::string ObjectPath(const KindInfo& info, std::string_view ns, std::string_view name);

}  // namespace capstan::target::kube
