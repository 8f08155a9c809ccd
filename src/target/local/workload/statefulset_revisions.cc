// StatefulSet revisions as apps/v1 ControllerRevisions (pkg/controller/history and
// stateful_set_control.go getStatefulSetRevisions, truncateHistory).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/statefulset.h"

namespace capstan::target::local::workload::internal {

namespace {

// ControllerRevision.data as Kubernetes records a StatefulSet: a strategic merge patch that
// replaces the template.
Value RevisionData(const Value& pod_template) {
  Value patch = pod_template.is_object() ? pod_template : Value::MakeObject();
  patch.Set("$patch", "replace");
  Value data = Value::MakeObject();
  data["spec"]["template"] = std::move(patch);
  return data;
}

Value TemplateOf(const Value& revision) {
  const Value* patch = revision.At({"data", "spec", "template"});
  Value pod_template = patch != nullptr ? *patch : Value::MakeObject();
  pod_template.Erase("$patch");
  return pod_template;
}

bool RevisionBefore(const Value* a, const Value* b) {
  int64_t ra = IntAt(*a, {"revision"});
  int64_t rb = IntAt(*b, {"revision"});
  if (ra != rb) return ra < rb;
  auto created = [](const Value* v) {
    return TimeAt(*v, {"metadata", "creationTimestamp"}).value_or(TimePoint());
  };
  if (created(a) != created(b)) return created(a) < created(b);
  return NameOf(*a) < NameOf(*b);
}

}  // namespace

StatefulSetRevisions SyncRevisions(const Value& set, const std::vector<Value>& revisions,
                                   const std::vector<const Value*>& pods, Actions& actions) {
  StatefulSetRevisions result;
  result.collision_count = IntAt(set, {"status", "collisionCount"});
  std::string_view ns = NamespaceOf(set);
  std::vector<const Value*> owned;
  for (const Value& revision : revisions) {
    if (NamespaceOf(revision) == ns && IsControlledBy(revision, UidOf(set))) {
      owned.push_back(&revision);
    }
  }
  std::sort(owned.begin(), owned.end(), RevisionBefore);
  int64_t next = owned.empty() ? 1 : IntAt(*owned.back(), {"revision"}) + 1;

  const Value* set_template = set.At({"spec", "template"});
  const Value wanted = set_template != nullptr ? *set_template : Value::MakeObject();
  const Value data = RevisionData(wanted);
  const Value* equal = nullptr;  // the newest revision with this template
  for (const Value* revision : owned) {
    if (TemplatesEqualIgnoringHash(TemplateOf(*revision), wanted)) equal = revision;
  }
  if (equal != nullptr && equal == owned.back()) {
    result.update = {std::string(NameOf(*equal)), TemplateOf(*equal)};
  } else if (equal != nullptr) {
    // Rolled back to an earlier template: that revision becomes the newest.
    Value renumbered = *equal;
    renumbered.Set("revision", next);
    actions.update.push_back(renumbered);
    result.update = {std::string(NameOf(*equal)), TemplateOf(*equal)};
  } else {
    // A new revision named by the hash of its data; a name taken by other data is a
    // collision, resolved by counting it into the hash.
    std::string name;
    for (;;) {
      Value salted = Value::MakeObject();
      salted["data"] = data;
      salted["collisionCount"] = result.collision_count;
      std::string hash = ShortHash(salted);
      name = fmt::format("{}-{}", NameOf(set), hash);
      auto taken = std::find_if(revisions.begin(), revisions.end(), [&](const Value& r) {
        return NamespaceOf(r) == ns && NameOf(r) == name;
      });
      if (taken == revisions.end()) {
        Value revision = Value::MakeObject();
        revision["apiVersion"] = "apps/v1";
        revision["kind"] = "ControllerRevision";
        Value& metadata = revision["metadata"];
        metadata["name"] = name;
        if (!ns.empty()) metadata["namespace"] = ns;
        Value labels = Value::MakeObject();
        if (const Value* own = set.At({"spec", "template", "metadata", "labels"})) labels = *own;
        labels.Set(kControllerRevisionHashLabel, hash);
        metadata["labels"] = labels;
        metadata["ownerReferences"] = Value::Array{ControllerRef(set)};
        revision["data"] = data;
        revision["revision"] = next;
        actions.create.push_back(std::move(revision));
        break;
      }
      if (TemplatesEqualIgnoringHash(TemplateOf(*taken), wanted)) break;
      ++result.collision_count;
    }
    result.update = {name, wanted};
  }

  result.current = result.update;
  std::string_view current_name = set.StringAt({"status", "currentRevision"});
  for (const Value* revision : owned) {
    if (NameOf(*revision) == current_name) {
      result.current = {std::string(current_name), TemplateOf(*revision)};
    }
  }

  // truncateHistory: revisions no pod and neither current nor update uses, oldest first,
  // beyond revisionHistoryLimit.
  std::set<std::string, std::less<>> live = {result.current.name, result.update.name};
  for (const Value* pod : pods)
    live.emplace(pod->StringAt({"metadata", "labels", kRevisionHashLabel}));
  std::vector<const Value*> history;
  for (const Value* revision : owned) {
    if (live.count(NameOf(*revision)) == 0) history.push_back(revision);
  }
  int64_t limit = IntAt(set, {"spec", "revisionHistoryLimit"}, 10);
  for (int64_t i = 0; i + limit < static_cast<int64_t>(history.size()); ++i) {
    actions.remove.push_back(KeyOf(*history[i]));
  }
  return result;
}

}  // namespace capstan::target::local::workload::internal
