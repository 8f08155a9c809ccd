#include "target/local/local_target.h"

#include <fmt/format.h>

#include <algorithm>

#include "target/local/kinds.h"

namespace capstan::target::local {
namespace {

bool IsBuiltinNamespace(std::string_view name) {
  return std::find(std::begin(kBuiltinNamespaces), std::end(kBuiltinNamespaces), name) !=
         std::end(kBuiltinNamespaces);
}

std::string UidOf(const Value& object) { return std::string(object.StringAt({"metadata", "uid"})); }

bool IsOwnedBy(const Value& object, const std::string& uid) {
  const Value* owners = object.At({"metadata", "ownerReferences"});
  if (owners == nullptr || !owners->is_array()) return false;
  return std::any_of(owners->as_array().begin(), owners->as_array().end(),
                     [&](const Value& owner) { return owner.StringAt({"uid"}) == uid; });
}

// `patch` merged into `base` as a JSON merge patch: maps merge member by member, anything
// else (lists, scalars) replaces.
void MergeInto(Value& base, const Value& patch) {
  if (!base.is_object() || !patch.is_object()) {
    base = patch;
    return;
  }
  for (const auto& [key, value] : patch.as_object()) {
    Value* existing = base.Find(key);
    if (existing != nullptr && existing->is_object() && value.is_object()) {
      MergeInto(*existing, value);
    } else {
      base.Set(key, value);
    }
  }
}

constexpr char kRolloutsHashLabel[] = "rollouts-pod-template-hash";

// Server-side apply keeps fields another manager owns; the local store has no field
// ownership, so the two cases that matter are kept by hand: what the Rollout controller or
// a person steering a Rollout applies is merged into the stored object (they send only the
// fields they manage), and a sync from Git keeps the pod-template-hash the Rollout
// controller put into a Service's selector.
Value WithOtherManagersFields(const Value& applied, const std::optional<Value>& stored,
                              const ApplyOptions& options) {
  if (!stored) return applied;
  if (options.field_manager == kRolloutsFieldManager ||
      options.field_manager == kSteeringFieldManager) {
    Value merged = *stored;
    merged.Erase("status");
    MergeInto(merged, applied);
    return merged;
  }
  Value out = applied;
  const Value* hash = stored->At({"spec", "selector", kRolloutsHashLabel});
  if (KindOf(applied) == "Service" && hash != nullptr &&
      out.At({"spec", "selector", kRolloutsHashLabel}) == nullptr &&
      out.At({"spec", "selector"}) != nullptr) {
    out["spec"]["selector"].Set(kRolloutsHashLabel, *hash);
  }
  return out;
}

}  // namespace

LocalTarget::LocalTarget(ObjectStore& objects, Validator validator)
    : objects_(objects), validator_(std::move(validator)) {}

Result<KindInfo> LocalTarget::LookupKind(const std::string& api_version, const std::string& kind) {
  if (auto info = FindLocalKind(api_version, kind)) return *info;
  return Error::NotFound(fmt::format("the local target does not run {} {}; it runs {}", api_version,
                                     kind, SupportedKindsText()));
}

Result<Value> LocalTarget::Apply(const Value& object, const ApplyOptions& options) {
  CAPSTAN_TRY(ValidateObject(object));
  ObjectKey key = KeyOf(object);
  std::string api_version(object.StringAt({"apiVersion"}));
  auto kind = FindLocalKind(api_version, key.kind);
  if (!kind) {
    return Error::Invalid(fmt::format("{}: the local target does not run {} {}; it runs {}",
                                      key.ToString(), api_version, key.kind, SupportedKindsText()));
  }
  Value copy = object;
  if (kind->namespaced) {
    if (key.ns.empty()) {
      key.ns = "default";
      copy["metadata"].Set("namespace", "default");
    }
    if (!IsBuiltinNamespace(key.ns) && !objects_.Get({"", "Namespace", "", key.ns})) {
      return Error::NotFound(
          fmt::format("{}: namespaces \"{}\" not found", key.ToString(), key.ns));
    }
  } else if (!key.ns.empty()) {
    copy["metadata"].Erase("namespace");
  }
  if (options.status) {
    const Value* status = copy.Find("status");
    auto updated = objects_.UpdateStatus(key, status != nullptr ? *status : Value());
    if (!updated.ok()) return std::move(updated).error();
    return *objects_.Get(key);
  }
  copy = WithOtherManagersFields(copy, objects_.Get(key), options);
  if (validator_) {
    Status valid = validator_(copy);
    if (!valid.ok()) return valid.error();
  }
  return objects_.Apply(copy, options.dry_run);
}

Result<std::optional<Value>> LocalTarget::Get(const ObjectKey& key,
                                              const std::string& /*api_version*/) {
  return objects_.Get(key);
}

Result<std::vector<Value>> LocalTarget::List(const Selector& selector) {
  auto kind = FindLocalKind(selector.api_version, selector.kind);
  if (!kind) {
    return Error::NotFound(
        fmt::format("the local target does not run {} {}", selector.api_version, selector.kind));
  }
  if (!selector.field_selector.empty()) {
    return Error::Invalid("the local target does not support field selectors (\"" +
                          selector.field_selector + "\")");
  }
  auto labels = LabelSelector::Parse(selector.label_selector);
  if (!labels.ok()) return std::move(labels).error();
  return objects_.List({kind->group, kind->kind, selector.ns, std::move(*labels)});
}

Status LocalTarget::Delete(const ObjectKey& key, const DeleteOptions& options) {
  if (options.dry_run) return OkStatus();
  DeleteCascading(key);
  return OkStatus();
}

void LocalTarget::DeleteCascading(const ObjectKey& key) {
  std::optional<Value> object = objects_.Get(key);
  if (!object) return;
  if (key.kind == "Namespace" && key.group.empty()) {
    for (const KindInfo& kind : LocalKinds()) {
      if (!kind.namespaced) continue;
      for (const Value& inside : objects_.List({kind.group, kind.kind, key.name, {}})) {
        DeleteCascading(KeyOf(inside));
      }
    }
  } else {
    std::string uid = UidOf(*object);
    for (const KindInfo& kind : LocalKinds()) {
      if (!kind.namespaced) continue;
      for (const Value& dependent : objects_.List({kind.group, kind.kind, key.ns, {}})) {
        if (IsOwnedBy(dependent, uid)) DeleteCascading(KeyOf(dependent));
      }
    }
  }
  if (key.kind == "Pod" && key.group.empty()) {
    objects_.MarkDeleting(key);  // the kubelet stops its containers, then removes it
  } else {
    (void)objects_.Remove(key);
  }
}

}  // namespace capstan::target::local
