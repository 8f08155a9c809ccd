#include "target/local/workload/internal/objects.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <random>

#include "core/hash.h"
#include "core/label_selector.h"
#include "core/time.h"

namespace capstan::target::local::workload::internal {

int64_t IntAt(const Value& object, Value::Path path, int64_t fallback) {
  const Value* value = object.At(path);
  return value != nullptr && value->is_int() ? value->as_int() : fallback;
}

bool BoolAt(const Value& object, Value::Path path) {
  const Value* value = object.At(path);
  return value != nullptr && value->is_bool() && value->as_bool();
}

std::optional<TimePoint> TimeAt(const Value& object, Value::Path path) {
  const Value* value = object.At(path);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return ParseRfc3339(value->as_string());
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> IntAnnotation(const Value& object, std::string_view key) {
  const Value* value = object.At({"metadata", "annotations", key});
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return ParseInt(value->as_string());
}

std::string Timestamp(TimePoint time) { return FormatRfc3339(time); }

std::string_view UidOf(const Value& object) { return object.StringAt({"metadata", "uid"}); }

std::string_view ControllerUid(const Value& child) {
  const Value* refs = child.At({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return {};
  for (const Value& ref : refs->as_array()) {
    if (BoolAt(ref, {"controller"})) return ref.StringAt({"uid"});
  }
  return {};
}

bool IsControlledBy(const Value& child, std::string_view uid) {
  return !uid.empty() && ControllerUid(child) == uid;
}

Value ControllerRef(const Value& parent) {
  Value ref = Value::MakeObject();
  ref["apiVersion"] = parent.StringAt({"apiVersion"});
  ref["kind"] = parent.StringAt({"kind"});
  ref["name"] = NameOf(parent);
  ref["uid"] = UidOf(parent);
  ref["controller"] = true;
  ref["blockOwnerDeletion"] = true;
  return ref;
}

std::string_view PodPhase(const Value& pod) { return pod.StringAt({"status", "phase"}); }

namespace {

const Value* ReadyCondition(const Value& pod) {
  const Value* status = pod.Find("status");
  return status == nullptr ? nullptr : FindCondition(*status, "Ready");
}

}  // namespace

bool IsPodReady(const Value& pod) {
  const Value* ready = ReadyCondition(pod);
  return ready != nullptr && ready->StringAt({"status"}) == "True";
}

std::optional<TimePoint> PodReadyTime(const Value& pod) {
  if (!IsPodReady(pod)) return std::nullopt;
  return TimeAt(*ReadyCondition(pod), {"lastTransitionTime"});
}

bool IsPodAvailable(const Value& pod, int64_t min_ready_seconds, TimePoint now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds == 0) return true;
  std::optional<TimePoint> since = PodReadyTime(pod);
  // Strictly after, as metav1.Time.Before.
  return since.has_value() && *since + std::chrono::seconds(min_ready_seconds) < now;
}

std::optional<TimePoint> PodAvailableAt(const Value& pod, int64_t min_ready_seconds,
                                        TimePoint now) {
  if (!IsPodReady(pod) || IsPodAvailable(pod, min_ready_seconds, now)) return std::nullopt;
  std::optional<TimePoint> since = PodReadyTime(pod);
  if (!since.has_value()) return std::nullopt;
  return *since + std::chrono::seconds(min_ready_seconds) + std::chrono::milliseconds(1);
}

bool IsTerminating(const Value& object) {
  const Value* deletion = object.At({"metadata", "deletionTimestamp"});
  return deletion != nullptr && !deletion->is_null();
}

bool IsPodActive(const Value& pod) {
  std::string_view phase = PodPhase(pod);
  return phase != "Succeeded" && phase != "Failed" && !IsTerminating(pod);
}

int64_t MaxContainerRestarts(const Value& pod) {
  int64_t most = 0;
  const Value* statuses = pod.At({"status", "containerStatuses"});
  if (statuses == nullptr || !statuses->is_array()) return 0;
  for (const Value& status : statuses->as_array()) {
    most = std::max(most, IntAt(status, {"restartCount"}));
  }
  return most;
}

const Value* FindCondition(const Value& status, std::string_view type) {
  const Value* conditions = status.Find("conditions");
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const Value& condition : conditions->as_array()) {
    if (condition.StringAt({"type"}) == type) return &condition;
  }
  return nullptr;
}

void RemoveCondition(Value& status, std::string_view type) {
  Value* conditions = status.Find("conditions");
  if (conditions == nullptr || !conditions->is_array()) return;
  Value::Array& list = conditions->as_array();
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const Value& c) { return c.StringAt({"type"}) == type; }),
             list.end());
  if (list.empty()) status.Erase("conditions");
}

Value MakeCondition(std::string_view type, std::string_view status, std::string_view reason,
                    std::string_view message) {
  Value condition = Value::MakeObject();
  condition["type"] = type;
  condition["status"] = status;
  if (!reason.empty()) condition["reason"] = reason;
  if (!message.empty()) condition["message"] = message;
  return condition;
}

Value PodFromTemplate(const Value& pod_template, const Value& parent) {
  Value pod = Value::MakeObject();
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  Value& metadata = pod["metadata"];
  metadata = Value::MakeObject();
  metadata["generateName"] = std::string(NameOf(parent)) + "-";
  if (!NamespaceOf(parent).empty()) metadata["namespace"] = NamespaceOf(parent);
  for (const char* field : {"labels", "annotations", "finalizers"}) {
    const Value* value = pod_template.At({"metadata", field});
    if (value != nullptr && !value->empty()) metadata[field] = *value;
  }
  metadata["ownerReferences"] = Value::Array{ControllerRef(parent)};
  const Value* spec = pod_template.Find("spec");
  pod["spec"] = spec != nullptr ? *spec : Value::MakeObject();
  return pod;
}

std::string GenerateName(std::string_view prefix, const NameSuffix& suffix,
                         std::vector<std::string>& taken) {
  std::string name;
  do {
    name = std::string(prefix) + suffix();
  } while (std::find(taken.begin(), taken.end(), name) != taken.end());
  taken.push_back(name);
  return name;
}

namespace {

// Drops null members and empty maps and lists, recursively: what a typed round trip
// (omitempty, nil == empty) cannot tell apart.
Value Normalized(const Value& value) {
  if (value.is_object()) {
    Value out = Value::MakeObject();
    for (const auto& [key, member] : value.as_object()) {
      Value normalized = Normalized(member);
      if (normalized.is_null()) continue;
      if ((normalized.is_object() || normalized.is_array()) && normalized.empty()) continue;
      out.as_object().emplace_back(key, std::move(normalized));
    }
    return out;
  }
  if (value.is_array()) {
    Value out = Value::MakeArray();
    for (const Value& item : value.as_array()) out.as_array().push_back(Normalized(item));
    return out;
  }
  return value;
}

Value WithoutHashLabel(const Value& pod_template) {
  Value copy = pod_template;
  if (Value* labels = copy.At({"metadata", "labels"}); labels != nullptr && labels->is_object()) {
    labels->Erase(kPodTemplateHashLabel);
  }
  return Normalized(copy);
}

}  // namespace

bool TemplatesEqualIgnoringHash(const Value& a, const Value& b) {
  return WithoutHashLabel(a) == WithoutHashLabel(b);
}

std::string ShortHash(const Value& value) {
  // Kubernetes hashes with FNV-32a and spells the decimal digits of the sum with an alphabet
  // without vowels (no words) and without look-alikes; capstan takes 32 bits of its SHA-256
  // content hash instead, which is as stable and spelt the same way.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  uint32_t sum = static_cast<uint32_t>(std::stoul(ContentHash(value).substr(0, 8), nullptr, 16));
  std::string digits = std::to_string(sum);
  std::string out;
  for (char digit : digits) out.push_back(kAlphabet[static_cast<unsigned char>(digit) % 27]);
  return out;
}

bool SelectorMatches(const Value& selector, const Value* labels) {
  Result<LabelSelector> parsed = LabelSelector::FromValue(selector);
  return parsed.ok() && parsed->Matches(labels);
}

}  // namespace capstan::target::local::workload::internal

namespace capstan::target::local::workload {

bool Actions::empty() const {
  return create.empty() && update.empty() && remove.empty() && !status.has_value() &&
         !parent.has_value() && !requeue_after.has_value() && errors.empty();
}

void Actions::RequeueNoLaterThan(std::chrono::milliseconds after) {
  if (after < std::chrono::milliseconds(0)) after = std::chrono::milliseconds(0);
  if (!requeue_after.has_value() || after < *requeue_after) requeue_after = after;
}

NameSuffix RandomNameSuffix(uint64_t seed) {
  auto engine = std::make_shared<std::mt19937_64>(seed);
  return [engine]() {
    static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
    std::string suffix;
    for (int i = 0; i < 5; ++i) suffix.push_back(kAlphabet[pick(*engine)]);
    return suffix;
  };
}

}  // namespace capstan::target::local::workload
