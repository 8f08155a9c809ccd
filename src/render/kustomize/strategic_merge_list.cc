// Merging lists the schema marks "merge", the way kyaml's associative-sequence walk does
// with kustomize's "prepend" option. Each distinct key tuple is collected (patch elements
// first, then target elements), the matching target and patch elements are merged, and
// the result lists the patch's elements in patch order followed by the target's others.
// Several of kyaml's corner cases are reproduced on purpose because `kustomize build`
// output depends on them:
//   - with two keys (ports: containerPort+protocol) a tuple missing one key matches on
//     the other alone, and a `$patch: delete` of such an element deletes nothing;
//   - `$patch: replace` on an element that the target already has keeps the target's;
//   - a directive element ({$patch: replace}) applies to the whole list.
#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

#include "core/yaml.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render::smp {
namespace {

using Tuple = std::vector<std::string>;

bool NullOrEmptyMap(const Value& v) { return v.is_null() || (v.is_object() && v.empty()); }

// The field of `elem` named `name` when its text equals `text` (any text when `text` is
// empty); `name` empty compares the scalar itself. kyaml's FieldMatcher.
const Value* FieldMatch(const Value& elem, const std::string& name, const std::string& text) {
  if (elem.is_null()) return nullptr;
  if (name.empty()) return !elem.is_object() && ScalarText(elem) == text ? &elem : nullptr;
  if (!elem.is_object()) return nullptr;
  const Value* field = elem.Find(name);
  if (field == nullptr) return nullptr;
  return text.empty() || ScalarText(*field) == text ? field : nullptr;
}

// Replaces the elements of `list` that match every key with `element`, or appends it when
// none matches; removes them when `element` is null. Null and empty-map elements are
// dropped on the way. kyaml's ElementSetter, including its handling of fewer values than
// keys (the last comparison made stands for the missing ones).
void SetElement(Value::Array& list, const Value* element, Tuple keys, const Tuple& values) {
  if (keys.empty()) keys.push_back("");
  const bool mapping_setter = !keys[0].empty() && !values.empty() && !values[0].empty();
  Value::Array kept;
  bool found = false;
  for (Value& elem : list) {
    if (NullOrEmptyMap(elem)) continue;
    if (!elem.is_object() && mapping_setter) {
      kept.push_back(std::move(elem));
      continue;
    }
    const Value* match = nullptr;
    bool matched = true;
    for (size_t j = 0; j < keys.size(); ++j) {
      if (j < values.size()) match = FieldMatch(elem, keys[j], values[j]);
      if (match == nullptr) {
        matched = false;
        break;
      }
    }
    if (!matched) {
      if (!values.empty()) kept.push_back(std::move(elem));
      continue;
    }
    found = true;
    if (element != nullptr) kept.push_back(*element);
  }
  list = std::move(kept);
  if (element == nullptr || element->is_null()) return;
  if (!found) list.push_back(*element);
}

// Index of the first element whose keys have exactly these texts, or -1. kyaml's
// ElementMatcher (an empty value matches only an empty field, unlike SetElement).
int FindElement(const Value* list, Tuple keys, Tuple values) {
  if (keys.empty()) keys.push_back("");
  if (values.empty()) values.push_back("");
  if (list == nullptr || !list->is_array()) return -1;
  const Value::Array& items = list->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const Value& elem = items[i];
    if (keys[0].empty()) {
      if (ScalarText(elem) == values[0]) return static_cast<int>(i);
      continue;
    }
    if (!elem.is_object()) continue;
    bool all = true;
    for (size_t k = 0; k < keys.size() && all; ++k) {
      const Value* field = elem.Find(keys[k]);
      all = field != nullptr && k < values.size() && ScalarText(*field) == values[k];
    }
    if (all) return static_cast<int>(i);
  }
  return -1;
}

bool NilOrEmpty(const Value* v) {
  return v == nullptr || v->is_null() || ((v->is_object() || v->is_array()) && v->empty());
}

// Distinct key tuples of the patch's elements, then of the target's.
std::vector<Tuple> KeyTuples(const Value* patch, const Value* target, const Tuple& keys) {
  std::vector<Tuple> out;
  std::set<Tuple> seen;
  for (const Value* list : {patch, target}) {
    if (list == nullptr || !list->is_array()) continue;
    for (const Value& elem : list->as_array()) {
      Tuple t;
      for (const std::string& key : keys) {
        const Value* field = elem.is_object() ? elem.Find(key) : nullptr;
        t.push_back(NilOrEmpty(field) ? "" : ScalarText(*field));
      }
      if (t.empty() || !seen.insert(t).second) continue;
      out.push_back(std::move(t));
    }
  }
  return out;
}

// Distinct scalars of the patch, then of the target (lists of scalars such as finalizers).
std::vector<Tuple> ScalarTuples(const Value* patch, const Value* target) {
  std::vector<Tuple> out;
  std::set<std::string> seen;
  for (const Value* list : {patch, target}) {
    if (list == nullptr || !list->is_array()) continue;
    for (const Value& elem : list->as_array()) {
      std::string text = ScalarText(elem);
      if (!seen.insert(text).second) continue;
      out.push_back({std::move(text)});
    }
  }
  return out;
}

// Tuples that share a value and do not conflict are completed from each other:
// (80, "") and (80, TCP) both become (80, TCP). kyaml's mergeValues, in its order.
void CompleteTuples(std::vector<Tuple>& tuples) {
  for (size_t i = 0; i < tuples.size(); ++i) {
    for (size_t j = 0; j < tuples.size(); ++j) {
      const Tuple& a = tuples[i];
      const Tuple& b = tuples[j];
      if (a.size() != b.size()) continue;
      bool common = false;
      bool conflict = false;
      Tuple merged;
      for (size_t k = 0; k < a.size(); ++k) {
        if (a[k] == b[k]) {
          common = true;
          merged.push_back(a[k]);
        } else if (!a[k].empty() && !b[k].empty()) {
          conflict = true;
          break;
        } else {
          merged.push_back(a[k].empty() ? b[k] : a[k]);
        }
      }
      if (conflict || !common) continue;
      tuples[i] = merged;
      tuples[j] = merged;
    }
  }
}

// Keeps the keys that have a value in some tuple of `all` (all keys when none has).
void UsableKeys(const std::vector<Tuple>& all, const Tuple& values, const Tuple& keys,
                Tuple& out_keys, Tuple& out_values) {
  std::set<std::string> usable;
  for (const Tuple& t : all) {
    for (size_t i = 0; i < t.size() && i < keys.size(); ++i) {
      if (!t[i].empty()) usable.insert(keys[i]);
    }
  }
  if (usable.empty()) {
    out_keys = keys;
    out_values = values;
    return;
  }
  out_keys.clear();
  out_values.clear();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!usable.count(keys[i])) continue;
    out_keys.push_back(keys[i]);
    if (i < values.size()) out_values.push_back(values[i]);
  }
}

// Puts the target's elements (already merged in place) over the merged items: items with
// the same keys take the target's node, others are appended. kyaml's appendListNode.
Status AppendTargetElements(Value::Array& items, const Value::Array& target, const Tuple& keys,
                            const std::string& path) {
  for (const Value& elem : target) {
    if (keys.empty() || keys[0].empty()) {
      SetElement(items, &elem, {""}, {ScalarText(elem)});
      continue;
    }
    if (!elem.is_object() && !elem.is_null()) {
      return Error::Invalid(
          fmt::format("{}: list element {} is not a map", path, EmitYaml(elem).substr(0, 40)));
    }
    Tuple values;
    for (const std::string& key : keys) {
      const Value* field = elem.is_object() ? elem.Find(key) : nullptr;
      if (field == nullptr) {
        items.push_back(elem);
        continue;
      }
      values.push_back(ScalarText(*field));
    }
    if (keys.size() > 1) SetElement(items, nullptr, keys, values);
    SetElement(items, &elem, keys, values);
  }
  return OkStatus();
}

// "spec.ports[port=80,protocol=TCP]" for messages.
std::string ElementPath(const std::string& path, const Tuple& keys, const Tuple& values) {
  std::string out = path + "[";
  for (size_t i = 0; i < keys.size() && i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += keys[i].empty() ? values[i] : keys[i] + "=" + values[i];
  }
  return out + "]";
}

}  // namespace

Result<Merged> WalkMergeList(const Value* target, const Value* patch, const FieldSchema& field,
                             const std::string& path) {
  const bool target_missing = target == nullptr || target->is_null();
  if (patch != nullptr && patch->is_null()) return Merged{};
  Value dest;
  Value elided;
  const Value* origin = patch;
  bool kept_target = false;
  if (target_missing) {
    if (patch == nullptr) return Merged{};
    dest = *patch;
  } else {
    dest = *target;
    kept_target = true;
    if (patch != nullptr) {
      // A directive is an element that holds nothing but `$patch`.
      for (const Value& elem : patch->as_array()) {
        if (!elem.is_object() || !elem.Contains("$patch")) continue;
        if (elem.size() > 1) break;
        const Value& directive = *elem.Find("$patch");
        std::string text = directive.is_string() ? directive.as_string() : ScalarText(directive);
        if (text != "delete" && text != "replace" && text != "merge") {
          return Error::Invalid(fmt::format("{}: unknown patch strategy \"{}\"", path, text));
        }
        elided = *patch;
        SetElement(elided.as_array(), nullptr, {"$patch"}, {text});
        origin = &elided;
        if (text == "delete") return Merged{};
        if (text == "replace") {
          dest = elided;
          kept_target = false;
        }
        break;
      }
    }
  }

  Tuple keys = field.keys;
  std::vector<Tuple> tuples;
  if (keys.empty()) {
    keys = {""};
    tuples = ScalarTuples(origin, &dest);
  } else {
    tuples = KeyTuples(origin, &dest, keys);
  }
  if (keys.size() > 1) CompleteTuples(tuples);

  Value::Array& dest_items = dest.as_array();
  Value::Array items;
  Tuple valid_keys, valid_values;
  for (const Tuple& values : tuples) {
    if (values.empty()) continue;
    UsableKeys(tuples, values, keys, valid_keys, valid_values);
    Tuple match_keys, match_values;
    UsableKeys({valid_values}, valid_values, valid_keys, match_keys, match_values);
    int in_dest = FindElement(&dest, match_keys, match_values);
    int in_patch = FindElement(origin, match_keys, match_values);
    const Value* dest_elem = in_dest >= 0 ? &dest_items[in_dest] : nullptr;
    const Value* patch_elem = in_patch >= 0 ? &origin->as_array()[in_patch] : nullptr;
    auto merged = Walk(dest_elem, patch_elem, FieldSchema{field.type, false, {}},
                       ElementPath(path, valid_keys, valid_values));
    if (!merged.ok()) return std::move(merged).error();
    std::optional<Value>& val = merged->value;
    if (!val.has_value() || NullOrEmptyMap(*val)) {
      SetElement(dest_items, nullptr, valid_keys, valid_values);
      continue;
    }
    for (size_t i = 0; i < valid_keys.size(); ++i) {
      if (valid_keys[i].empty() || !val->is_object()) continue;
      if (val->Find(valid_keys[i]) == nullptr && !valid_values[i].empty()) {
        val->Set(valid_keys[i], ResolvePlainScalar(valid_values[i]));
      }
    }
    // kyaml edits the target's element in place; later steps see the edit.
    if (merged->kept_target && in_dest >= 0) dest_items[in_dest] = *val;
    SetElement(items, &*val, valid_keys, valid_values);
  }
  if (tuples.empty()) return Merged{std::move(dest), kept_target};
  CAPSTAN_TRY(AppendTargetElements(items, dest_items, valid_keys, path));
  return Merged{Value(std::move(items)), kept_target};
}

}  // namespace capstan::render::smp
