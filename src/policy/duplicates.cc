// duplicate-object: two manifests with the same group, kind, namespace and name fight over
// one live object; whichever is applied last wins, and the diff never settles.
#include <fmt/format.h>

#include <map>

#include "core/object.h"
#include "policy/internal/check.h"

namespace capstan::policy::internal {

void CheckDuplicateObject(const CheckInput& input, FindingSink& sink) {
  std::map<ObjectKey, size_t> first_seen;
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Manifest& m = input.manifests[i];
    ObjectKey key = KeyOf(m.object);
    if (key.kind.empty() || key.name.empty()) continue;  // generateName: a new object each time
    auto [it, inserted] = first_seen.emplace(key, i);
    if (inserted) continue;
    const Manifest& first = input.manifests[it->second];
    std::string where = first.source.empty()       ? "generated earlier"
                        : first.source == m.source ? "earlier in the same file"
                                                   : fmt::format("also in {}", first.source);
    sink.Add(i, "", std::nullopt,
             fmt::format("defined twice ({}): keep one, or give them different names or "
                         "namespaces",
                         where));
  }
}

}  // namespace capstan::policy::internal
