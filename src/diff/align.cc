// Step 3 of Diff: decide which of live's fields take part in the comparison.
//
// Applying a manifest (kubectl apply, Argo CD, capstan sync) only touches fields the
// manifest sets, plus fields the last applied configuration set and the manifest no
// longer does (those are removed, and the server resets them to their defaults). Every
// other field of the live object (defaults, allocated IPs, annotations added by
// controllers or by hand) survives the apply untouched, so it is no difference.
//
// Worked example. last applied {replicas: 3, paused: true}; desired {} (after defaults
// {replicas: 1, revisionHistoryLimit: 10}); live {replicas: 3, paused: true,
// revisionHistoryLimit: 10, progressDeadlineSeconds: 600}:
//   replicas                 defaulted, last applied set it  -> compared: 3 -> 1
//   paused                   no default, last applied set it -> compared: true -> absent
//   revisionHistoryLimit     defaulted, not last applied     -> dropped (live's value stays)
//   progressDeadlineSeconds  not mentioned                   -> dropped
#include <string>
#include <vector>

#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

void AlignValue(Value& desired, const Value* written, Value& live, const Value* applied,
                std::string_view field);

const Value* MemberOf(const Value* map, std::string_view key) {
  return map != nullptr ? map->Find(key) : nullptr;
}

// Puts live's members in desired's order (then its own), so printed YAML lines up.
// Moved-out members are tracked by index, not by an emptied key: "" is a valid key.
void OrderLike(const Value& desired, Value& live) {
  Value::Object ordered;
  Value::Object& members = live.as_object();
  ordered.reserve(members.size());
  std::vector<bool> taken(members.size(), false);
  for (const auto& [key, unused] : desired.as_object()) {
    for (size_t i = 0; i < members.size(); ++i) {
      if (!taken[i] && members[i].first == key) {
        ordered.push_back(std::move(members[i]));
        taken[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < members.size(); ++i) {
    if (!taken[i]) ordered.push_back(std::move(members[i]));
  }
  members = std::move(ordered);
}

void AlignObject(Value& desired, const Value* written, Value& live, const Value* applied) {
  if (applied != nullptr && !applied->is_object()) applied = nullptr;
  std::erase_if(live.as_object(), [&](const Value::Member& member) {
    if (desired.Find(member.first) != nullptr) return false;
    return MemberOf(applied, member.first) == nullptr || IsEmptyValue(member.second);
  });
  std::vector<std::string> dropped;
  for (auto& [key, value] : desired.as_object()) {
    const Value* as_written = MemberOf(written, key);
    Value* live_value = live.Find(key);
    const Value* applied_value = MemberOf(applied, key);
    bool defaulted = as_written == nullptr;
    if (defaulted && (live_value == nullptr || applied_value == nullptr)) {
      dropped.push_back(key);  // applying does not reset it: live's value stays
      continue;
    }
    if (IsEmptyValue(value) && (live_value == nullptr || IsEmptyValue(*live_value))) {
      dropped.push_back(key);
      continue;
    }
    if (live_value != nullptr) AlignValue(value, as_written, *live_value, applied_value, key);
  }
  for (const std::string& key : dropped) {
    desired.Erase(key);
    live.Erase(key);
  }
  OrderLike(desired, live);
}

void AlignArray(Value& desired, const Value* written, Value& live, const Value* applied,
                std::string_view field) {
  Value::Array& d = desired.as_array();
  Value::Array& l = live.as_array();
  const Value::Array* w = nullptr;
  if (written != nullptr && written->is_array() && written->size() == d.size()) {
    w = &written->as_array();
  }
  std::vector<const Value*> applied_for(d.size(), nullptr);
  if (applied != nullptr && applied->is_array()) {
    for (const ElementPair& pair : PairElements(field, d, applied->as_array())) {
      if (pair.desired && pair.live) applied_for[*pair.desired] = &applied->as_array()[*pair.live];
    }
  }
  for (const ElementPair& pair : PairElements(field, d, l)) {
    if (pair.desired && pair.live) {
      AlignValue(d[*pair.desired], w != nullptr ? &(*w)[*pair.desired] : nullptr, l[*pair.live],
                 applied_for[*pair.desired], field);
    } else if (pair.desired && w != nullptr) {
      d[*pair.desired] = (*w)[*pair.desired];  // a new element is shown as written
    }
  }
}

void AlignValue(Value& desired, const Value* written, Value& live, const Value* applied,
                std::string_view field) {
  if (desired.is_object() && live.is_object()) {
    AlignObject(desired, written, live, applied);
  } else if (desired.is_array() && live.is_array()) {
    AlignArray(desired, written, live, applied, field);
  }
}

}  // namespace

void Align(Value& desired, const Value& written, Value& live, const Value* last_applied) {
  AlignValue(desired, &written, live, last_applied, "");
}

}  // namespace capstan::diff::internal
