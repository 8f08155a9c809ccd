// The JSON printer, for scripts and the server: everything Diff found, nothing more.
#include "core/json.h"
#include "diff/diff.h"

namespace capstan::diff {
namespace {

Value ChangeToValue(const FieldChange& change) {
  Value out = Value::MakeObject();
  out.Set("path", change.path);
  if (change.before) out.Set("before", *change.before);
  if (change.after) out.Set("after", *change.after);
  return out;
}

Value ObjectToValue(const ObjectDiff& object) {
  Value out = Value::MakeObject();
  out.Set("group", object.key.group);
  out.Set("kind", object.key.kind);
  out.Set("namespace", object.key.ns);
  out.Set("name", object.key.name);
  out.Set("change", ChangeName(object.change));
  if (!object.desired_source.empty()) out.Set("desiredSource", object.desired_source);
  if (!object.live_source.empty()) out.Set("liveSource", object.live_source);
  Value::Array changes;
  for (const FieldChange& change : object.changes) changes.push_back(ChangeToValue(change));
  out.Set("changes", Value(std::move(changes)));
  if (object.change != Change::kUnchanged) {
    if (!object.desired.is_null()) out.Set("desired", object.desired);
    if (!object.live.is_null()) out.Set("live", object.live);
  }
  return out;
}

}  // namespace

std::string PrintJson(const DiffSet& set, int indent) {
  Value summary = Value::MakeObject();
  summary.Set("differing", static_cast<int64_t>(set.summary.differing()));
  summary.Set("modified", static_cast<int64_t>(set.summary.modified));
  summary.Set("added", static_cast<int64_t>(set.summary.added));
  summary.Set("removed", static_cast<int64_t>(set.summary.removed));
  summary.Set("unchanged", static_cast<int64_t>(set.summary.unchanged));
  Value::Array objects;
  for (const ObjectDiff& object : set.objects) objects.push_back(ObjectToValue(object));
  Value out = Value::MakeObject();
  out.Set("summary", std::move(summary));
  out.Set("objects", Value(std::move(objects)));
  std::string text = EmitJson(out, indent);
  text += '\n';
  return text;
}

}  // namespace capstan::diff
