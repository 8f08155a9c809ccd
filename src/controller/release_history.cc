// Release history: a record per change a person follows, with both versions' identities.
#include "controller/release_history.h"

#include <fmt/format.h>

#include <chrono>

#include "controller/rollout_steering.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "rollout/release.h"
#include "rollout/rollout.h"

namespace capstan::controller {
namespace {

// The ReplicaSet of `hash` among `replica_sets`; before the controller's first apply of a
// new release it is not there yet, and the Rollout's own template and revision stand in.
Value ReplicaSetOf(const Value& rollout, const std::vector<Value>& replica_sets,
                   std::string_view hash) {
  for (const Value& rs : replica_sets) {
    if (rs.StringAt({"metadata", "labels", rollout::kPodTemplateHashLabel}) == hash) return rs;
  }
  Value rs = Value::MakeObject();
  rs["metadata"]["labels"].Set(rollout::kPodTemplateHashLabel, hash);
  std::string_view revision =
      rollout.StringAt({"metadata", "annotations", rollout::kRevisionAnnotation});
  if (!revision.empty()) {
    rs["metadata"]["annotations"].Set(rollout::kRevisionAnnotation, revision);
  }
  if (const Value* pod_template = rollout.At({"spec", "template"})) {
    rs["spec"].Set("template", *pod_template);
  }
  return rs;
}

Value IdentityOf(const Value& rollout, const std::vector<Value>& replica_sets,
                 std::string_view hash) {
  if (hash.empty()) return nullptr;
  rollout::ReleaseIdentity release =
      rollout::ReleaseId(rollout, ReplicaSetOf(rollout, replica_sets, hash));
  Value out = Value::MakeObject();
  out.Set("revision", release.revision);
  out.Set("podTemplateHash", release.pod_template_hash);
  out.Set("appVersion", release.app_version);
  Value& images = out["images"] = Value::MakeArray();
  for (const rollout::ImageVersion& image : release.images)
    images.as_array().emplace_back(image.image);
  out.Set("role", release.role);
  out.Set("text", release.ToString());
  return out;
}

// What a person follows of a Rollout, from its summary and status.
struct Watched {
  std::string phase, message, stable, current, active, preview;
  int64_t step = -1, weight = -1;
  bool aborted = false;
};

Watched WatchedOf(const Value& rollout, const std::vector<Value>& replica_sets) {
  Value summary = RolloutSummary(rollout, replica_sets, {});
  rollout::RolloutStatus status = rollout::ReadRolloutStatus(rollout);
  Watched out;
  out.phase = std::string(summary.StringAt({"phase"}));
  out.message = std::string(summary.StringAt({"message"}));
  out.stable = status.stable_rs;
  out.current = status.current_pod_hash;
  out.active = status.blue_green.active_selector;
  out.preview = status.blue_green.preview_selector;
  if (const Value* step = summary.Find("step"); step != nullptr && step->is_int()) {
    out.step = step->as_int();
  }
  if (const Value* weight = summary.Find("actualWeight"); weight != nullptr && weight->is_int()) {
    out.weight = weight->as_int();
  }
  out.aborted = status.abort;
  return out;
}

std::string Changes(const Watched& before, const Watched& after) {
  std::string text;
  auto add = [&text](const std::string& change) { text += (text.empty() ? "" : ", ") + change; };
  if (before.current != after.current && !after.current.empty()) {
    add(fmt::format("release of {}", after.current));
  }
  if (before.step != after.step) add(fmt::format("step {} → {}", before.step, after.step));
  if (before.weight != after.weight)
    add(fmt::format("weight {} → {}", before.weight, after.weight));
  if (before.phase != after.phase) add(fmt::format("{} → {}", before.phase, after.phase));
  if (!before.aborted && after.aborted) add("aborted");
  if (before.stable != after.stable && !after.stable.empty()) {
    add(fmt::format("stable is {}", after.stable));
  }
  if (before.active != after.active) add(fmt::format("active is {}", after.active));
  if (before.preview != after.preview) add(fmt::format("preview is {}", after.preview));
  return text;
}

}  // namespace

std::string ReleaseStepsKey(const target::Target& target, std::string_view ns,
                            std::string_view name) {
  return fmt::format("{}/{}/{}", target.Describe(), ns, name);
}

Value ReleaseStepRecord(const Value& rollout, const Value& status_after,
                        const std::vector<Value>& replica_sets) {
  Value after_rollout = rollout;
  after_rollout.Set("status", status_after);
  Watched before = WatchedOf(rollout, replica_sets);
  Watched after = WatchedOf(after_rollout, replica_sets);
  std::string change = Changes(before, after);
  if (change.empty()) return nullptr;
  Value record = Value::MakeObject();
  record.Set("change", change);
  record.Set("phase", after.phase);
  record.Set("message", after.message);
  if (after.step >= 0) record.Set("step", after.step);
  if (after.weight >= 0) record.Set("weight", after.weight);
  record.Set("aborted", after.aborted);
  record.Set("stable", IdentityOf(after_rollout, replica_sets, after.stable));
  record.Set("new", IdentityOf(after_rollout, replica_sets, after.current));
  return record;
}

void ReleaseHistory::Observe(const target::Target& target, const Value& rollout,
                             const Value& status_after, const std::vector<Value>& replica_sets) {
  Value record = ReleaseStepRecord(rollout, status_after, replica_sets);
  if (record.is_null()) return;
  store::ReleaseStep step;
  step.rollout = ReleaseStepsKey(target, NamespaceOf(rollout), NameOf(rollout));
  step.app = std::string(rollout.StringAt({"metadata", "labels", target::kAppLabel}));
  step.record_json = EmitJson(record);
  if (auto appended = store_.AppendReleaseStep(step); !appended.ok()) {
    Log(LogLevel::kWarning, "release history of {}: {}", step.rollout, appended.error().message());
  }
}

Result<Value> ReleaseHistory::Steps(const target::Target& target, std::string_view ns,
                                    std::string_view name, size_t limit) {
  auto steps = store_.ReleaseSteps(ReleaseStepsKey(target, ns, name), limit);
  if (!steps.ok()) return steps.error();
  Value items = Value::MakeArray();
  for (const store::ReleaseStep& step : *steps) {
    auto record = ParseJson(step.record_json, "release step");
    Value item = record.ok() && record->is_object() ? std::move(*record) : Value::MakeObject();
    item.Set(
        "time",
        FormatRfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(step.time))));
    items.as_array().push_back(std::move(item));
  }
  Value out = Value::MakeObject();
  out.Set("items", std::move(items));
  return out;
}

}  // namespace capstan::controller
