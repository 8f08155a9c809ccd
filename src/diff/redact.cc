// Step 4 of Diff: Secret values never leave Diff. Masks keep equality visible: a value
// that differs between the sides gets a different mask on each, so a changed password
// shows as changed without showing either password.
#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

Value* DataOf(Value* secret, std::string_view field) {
  return secret != nullptr ? secret->Find(field) : nullptr;
}

void MaskAll(Value& data) {
  if (!data.is_object()) {
    data = Value(kMask);
    return;
  }
  for (auto& member : data.as_object()) member.second = Value(kMask);
}

void RedactField(Value* desired, Value* live, std::string_view field) {
  Value* d = DataOf(desired, field);
  Value* l = DataOf(live, field);
  if (d != nullptr && l != nullptr && d->is_object() && l->is_object()) {
    for (auto& [key, value] : d->as_object()) {
      Value* other = l->Find(key);
      bool changed = other != nullptr && !(*other == value);
      value = Value(changed ? kChangedMask : kMask);
      if (other != nullptr) *other = Value(kMask);
    }
    for (auto& member : l->as_object()) member.second = Value(kMask);
    return;
  }
  if (d != nullptr && l != nullptr) {
    bool changed = !(*d == *l);
    MaskAll(*l);
    MaskAll(*d);
    if (changed && d->is_object()) {
      for (auto& member : d->as_object()) member.second = Value(kChangedMask);
    } else if (changed) {
      *d = Value(kChangedMask);
    }
    return;
  }
  if (d != nullptr) MaskAll(*d);
  if (l != nullptr) MaskAll(*l);
}

}  // namespace

void RedactSecret(Value* desired, Value* live) {
  for (std::string_view field : {"data", "stringData"}) RedactField(desired, live, field);
}

}  // namespace capstan::diff::internal
