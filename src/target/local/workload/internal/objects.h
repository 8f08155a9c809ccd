// Helpers the workload controllers share: reading fields as Kubernetes' typed structs would
// (a missing field is its zero value), owner references, pod state, conditions, timestamps,
// and pods made from templates.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/value.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload::internal {

// The integer at `path`, or `fallback` when missing or not an integer.
int64_t IntAt(const Value& object, Value::Path path, int64_t fallback = 0);
bool BoolAt(const Value& object, Value::Path path);
// The time at `path` (RFC 3339), or nullopt when missing or malformed.
std::optional<TimePoint> TimeAt(const Value& object, Value::Path path);
std::string Timestamp(TimePoint time);

std::string_view UidOf(const Value& object);

// Whether `child`'s controller owner reference names `uid`.
bool IsControlledBy(const Value& child, std::string_view uid);
// The uid of `child`'s controller, or "" when it has none.
std::string_view ControllerUid(const Value& child);
// The owner reference a controller puts on what it creates.
Value ControllerRef(const Value& parent);

// Pod state, as k8s.io/kubernetes/pkg/api/v1/pod and controller_utils read it.
std::string_view PodPhase(const Value& pod);
bool IsPodReady(const Value& pod);
// When the pod last became Ready (lastTransitionTime of Ready=True), if it is ready.
std::optional<TimePoint> PodReadyTime(const Value& pod);
// Ready for more than `min_ready_seconds` at `now` (ready is enough when it is 0).
bool IsPodAvailable(const Value& pod, int64_t min_ready_seconds, TimePoint now);
// When a ready but not yet available pod becomes available; nullopt otherwise.
std::optional<TimePoint> PodAvailableAt(const Value& pod, int64_t min_ready_seconds, TimePoint now);
bool IsTerminating(const Value& object);  // metadata.deletionTimestamp is set
// Not Succeeded, not Failed and not being deleted (controller.IsPodActive).
bool IsPodActive(const Value& pod);
int64_t MaxContainerRestarts(const Value& pod);

// The whole of `text` as a decimal integer (Go's strconv.Atoi), or nullopt.
std::optional<int64_t> ParseInt(std::string_view text);
// The annotation `key` as an integer; nullopt when missing or not one.
std::optional<int64_t> IntAnnotation(const Value& object, std::string_view key);

// Conditions in `status.conditions` style arrays.
const Value* FindCondition(const Value& status, std::string_view type);
void RemoveCondition(Value& status, std::string_view type);
Value MakeCondition(std::string_view type, std::string_view status, std::string_view reason,
                    std::string_view message);

// A pod from `pod_template` for `parent`, as controller.GetPodFromTemplate makes it:
// template labels, annotations and finalizers, generateName `<parent>-`, the parent's
// namespace and a controller owner reference. No name yet.
Value PodFromTemplate(const Value& pod_template, const Value& parent);

// A fresh name `<prefix><suffix>` not in `taken` (and added to it).
std::string GenerateName(std::string_view prefix, const NameSuffix& suffix,
                         std::vector<std::string>& taken);

// Whether two pod templates are equal once the pod-template-hash label is dropped from
// both, treating missing, null, {} and [] alike (apiequality.Semantic's nil == empty).
bool TemplatesEqualIgnoringHash(const Value& a, const Value& b);

// Kubernetes' rand.SafeEncodeString of the decimal digits of a 32-bit hash of `value`.
std::string ShortHash(const Value& value);

// Whether every matchLabels entry and matchExpressions requirement of `selector` holds
// for `labels`. Invalid selectors match nothing.
bool SelectorMatches(const Value& selector, const Value* labels);

inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";

}  // namespace capstan::target::local::workload::internal
