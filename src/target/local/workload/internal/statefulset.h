// The stateful set controller's revisions (statefulset_revisions.cc), shared with its pod
// management (statefulset.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/value.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload::internal {

inline constexpr const char* kRevisionHashLabel = "controller-revision-hash";
inline constexpr const char* kControllerRevisionHashLabel = "controller.kubernetes.io/hash";

struct Revision {
  std::string name;
  Value pod_template;  // the set's spec.template at that revision
};

struct StatefulSetRevisions {
  Revision current;
  Revision update;
  int64_t collision_count = 0;
};

// The current and update revisions of `set` (getStatefulSetRevisions): the update revision
// is the owned ControllerRevision whose template is the set's (renumbered to the newest when
// an older one is rolled back to), or a new one added to `actions.create`; the current one is
// status.currentRevision's, or the update revision when it is gone. Revisions beyond
// revisionHistoryLimit that no pod uses go to `actions.remove`.
StatefulSetRevisions SyncRevisions(const Value& set, const std::vector<Value>& revisions,
                                   const std::vector<const Value*>& pods, Actions& actions);

}  // namespace capstan::target::local::workload::internal
