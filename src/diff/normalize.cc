// Step 1 of Diff: make both sides comparable. Everything removed here is written by the
// API server or its controllers, never by the person who wrote the manifest, so keeping it
// would make every object look changed.
#include <algorithm>
#include <array>
#include <string_view>

#include "core/base64.h"
#include "diff/internal/quantity.h"
#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

constexpr std::array<std::string_view, 8> kServerMetadata = {
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
};

constexpr std::array<std::string_view, 2> kServerAnnotations = {
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
};

// Maps whose members are all quantities wherever they appear in a built-in object.
constexpr std::array<std::string_view, 4> kResourceListKeys = {"limits", "requests", "hard",
                                                               "capacity"};
// LimitRange items use these as resource lists too.
constexpr std::array<std::string_view, 5> kLimitRangeKeys = {
    "max", "min", "default", "defaultRequest", "maxLimitRequestRatio"};

template <size_t N>
bool OneOf(std::string_view s, const std::array<std::string_view, N>& set) {
  for (std::string_view item : set) {
    if (s == item) return true;
  }
  return false;
}

// A null member is how YAML spells "unset" (`creationTimestamp: null` in every pod
// template the server returns); the server drops it.
void DropNulls(Value& value) {
  if (value.is_object()) {
    auto& members = value.as_object();
    std::erase_if(members, [](const Value::Member& m) { return m.second.is_null(); });
    for (auto& member : members) DropNulls(member.second);
  } else if (value.is_array()) {
    for (Value& element : value.as_array()) DropNulls(element);
  }
}

void CanonicalizeResourceList(Value& list) {
  if (!list.is_object()) return;
  for (auto& member : list.as_object()) member.second = CanonicalQuantityValue(member.second);
}

// Quantities are stored canonically ("0.5" -> "500m"), whatever the manifest said.
void CanonicalizeQuantities(Value& value, std::string_view kind, std::string_view key) {
  if (value.is_object()) {
    for (auto& [child_key, child] : value.as_object()) {
      bool resource_list = (OneOf(child_key, kResourceListKeys) && key != "metadata") ||
                           (kind == "LimitRange" && OneOf(child_key, kLimitRangeKeys));
      if (resource_list) {
        CanonicalizeResourceList(child);
      } else if (child_key == "sizeLimit" && key == "emptyDir") {
        child = CanonicalQuantityValue(child);
      } else {
        CanonicalizeQuantities(child, kind, child_key);
      }
    }
  } else if (value.is_array()) {
    for (Value& element : value.as_array()) CanonicalizeQuantities(element, kind, key);
  }
}

// The server moves stringData into data (base64) and stores data re-encoded, so compare
// desired in that form.
void NormalizeSecretData(Value& secret) {
  Value* data = secret.Find("data");
  if (data != nullptr && data->is_object()) {
    for (auto& member : data->as_object()) {
      if (!member.second.is_string()) continue;
      if (auto decoded = Base64Decode(member.second.as_string())) {
        member.second = Base64Encode(*decoded);
      }
    }
  }
  Value* string_data = secret.Find("stringData");
  if (string_data == nullptr || !string_data->is_object()) return;
  Value merged = (data != nullptr && data->is_object()) ? *data : Value::MakeObject();
  for (const auto& [key, value] : string_data->as_object()) {
    if (value.is_string()) merged.Set(key, Base64Encode(value.as_string()));
  }
  secret.Erase("stringData");
  secret.Set("data", std::move(merged));
}

// Writes the compared namespace, next to the name when it was missing.
void SetNamespace(Value& metadata, const std::string& ns) {
  if (ns.empty()) {
    metadata.Erase("namespace");
    return;
  }
  if (Value* existing = metadata.Find("namespace")) {
    *existing = ns;
    return;
  }
  Value::Object& members = metadata.as_object();
  auto name = std::find_if(members.begin(), members.end(),
                           [](const Value::Member& m) { return m.first == "name"; });
  members.insert(name == members.end() ? members.end() : name + 1, {"namespace", Value(ns)});
}

}  // namespace

void Normalize(Value& object, const ObjectKey& key) {
  object.Erase("status");
  DropNulls(object);
  if (Value* metadata = object.Find("metadata"); metadata != nullptr && metadata->is_object()) {
    for (std::string_view field : kServerMetadata) metadata->Erase(field);
    if (Value* annotations = metadata->Find("annotations")) {
      for (std::string_view annotation : kServerAnnotations) annotations->Erase(annotation);
      if (IsEmptyValue(*annotations)) metadata->Erase("annotations");
    }
    SetNamespace(*metadata, key.ns);
  }
  CanonicalizeQuantities(object, key.kind, "");
  if (key.group.empty() && key.kind == "Secret") NormalizeSecretData(object);
}

}  // namespace capstan::diff::internal
