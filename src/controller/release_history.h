// Release history: every step a Rollout takes — a release starting, each step and weight,
// a pause, a promotion, an abort, the new stable — recorded in the store with the release
// identity of the versions involved (rollout/release.h: revision, pod-template hash, app
// version, image tags, role), so `capstan rollout history` can say what ran when, and at
// what weight, long after the ReplicaSets are gone.
//
// Thread safety: ReleaseHistory is safe from any thread (the store serialises writes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "store/store.h"
#include "target/target.h"

namespace capstan::controller {

// The store key of a Rollout's steps: "<target>/<namespace>/<name>".
std::string ReleaseStepsKey(const target::Target& target, std::string_view ns,
                            std::string_view name);

// The record of what changed between `rollout`'s status and `status_after`, or null when
// nothing a person follows changed (phase, step, weights, stable or new version, abort,
// active or preview selector). `replica_sets` are the Rollout's (their revision and images
// name the versions). The record:
//   {"change": "step 1 → 2, weight 20 → 60", "phase", "message", "step", "weight",
//    "aborted", "revision", "stable": <identity>, "new": <identity>}
// where an identity is {"revision","podTemplateHash","appVersion","images":[...],"role",
// "text": "revision 2 (6b8f7d9c5), app 1.4.0, images web:v2"}.
Value ReleaseStepRecord(const Value& rollout, const Value& status_after,
                        const std::vector<Value>& replica_sets);

class ReleaseHistory {
 public:
  // `store` is not owned and must outlive this.
  explicit ReleaseHistory(store::Store& store) : store_(store) {}

  // Records the step when ReleaseStepRecord says something changed. A store error is
  // logged, never fatal: the release goes on without its history line.
  void Observe(const target::Target& target, const Value& rollout, const Value& status_after,
               const std::vector<Value>& replica_sets);

  // {"items": [{"time": RFC 3339, ...record}]} newest first, at most `limit`.
  Result<Value> Steps(const target::Target& target, std::string_view ns, std::string_view name,
                      size_t limit);

 private:
  store::Store& store_;
};

}  // namespace capstan::controller
