// Argo CD's Application status object, built from capstan's ApplicationStatus.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "controller/application.h"

namespace capstan::controller {
namespace {

bool IsSet(Time time) { return time.time_since_epoch().count() != 0; }

// Sets `key` only when `value` is not empty, as Argo CD's omitempty fields.
void SetString(Value& map, std::string_view key, const std::string& value) {
  if (!value.empty()) map.Set(key, value);
}

void SetTime(Value& map, std::string_view key, Time time) {
  if (IsSet(time)) map.Set(key, FormatTime(time));
}

Value HealthValue(const HealthState& health) {
  Value out = Value::MakeObject();
  out.Set("status", health.status);
  SetString(out, "message", health.message);
  return out;
}

// group, version, kind, namespace, name: the identity fields Argo CD puts first.
void SetIdentity(Value& map, const std::string& group, const std::string& version,
                 const std::string& kind, const std::string& ns, const std::string& name) {
  SetString(map, "group", group);
  SetString(map, "version", version);
  map.Set("kind", kind);
  SetString(map, "namespace", ns);
  map.Set("name", name);
}

Value OperationValue(const OperationState& op) {
  Value out = Value::MakeObject();
  out.Set("phase", op.phase);
  SetString(out, "message", op.message);
  SetTime(out, "startedAt", op.started_at);
  SetTime(out, "finishedAt", op.finished_at);
  Value result = Value::MakeObject();
  SetString(result, "revision", op.revision);
  Value resources = Value::MakeArray();
  for (const ResourceResult& r : op.resources) {
    Value item = Value::MakeObject();
    SetIdentity(item, r.group, r.version, r.kind, r.namespace_, r.name);
    item.Set("status", r.status);
    SetString(item, "message", r.message);
    SetString(item, "hookPhase", r.hook_phase);
    SetString(item, "syncPhase", r.sync_phase);
    item.Set("syncWave", r.sync_wave);
    resources.as_array().push_back(std::move(item));
  }
  if (!resources.empty()) result.Set("resources", std::move(resources));
  if (!result.empty()) out.Set("syncResult", std::move(result));
  return out;
}

Value ResourceValue(const ResourceStatus& r) {
  Value out = Value::MakeObject();
  SetIdentity(out, r.group, r.version, r.kind, r.namespace_, r.name);
  out.Set("status", r.status);
  if (r.health) out.Set("health", HealthValue(*r.health));
  if (r.requires_pruning) out.Set("requiresPruning", true);
  return out;
}

Value HistoryValue(const Application& app, const HistoryEntry& h) {
  Value out = Value::MakeObject();
  out.Set("id", h.id);
  out.Set("revision", h.revision);
  SetTime(out, "deployedAt", h.deployed_at);
  SetTime(out, "deployStartedAt", h.deploy_started_at);
  out.Set("source", h.source.is_null() ? app.source.raw : h.source);
  return out;
}

}  // namespace

std::string FormatTime(Time time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
}

Value BuildStatusValue(const Application& app, const ApplicationStatus& status) {
  Value out = Value::MakeObject();
  Value sync = Value::MakeObject();
  sync.Set("status", status.sync_status);
  SetString(sync, "revision", status.sync_revision);
  Value compared = Value::MakeObject();
  compared.Set("source", app.source.raw);
  Value destination = Value::MakeObject();
  SetString(destination, "server", app.destination.server);
  SetString(destination, "name", app.destination.name);
  SetString(destination, "namespace", app.destination.namespace_);
  compared.Set("destination", std::move(destination));
  if (const Value* ignore = app.raw.At({"spec", "ignoreDifferences"});
      ignore != nullptr && !ignore->empty()) {
    compared.Set("ignoreDifferences", *ignore);
  }
  sync.Set("comparedTo", std::move(compared));
  out.Set("sync", std::move(sync));
  out.Set("health", HealthValue(status.health));
  if (status.operation) out.Set("operationState", OperationValue(*status.operation));
  if (!status.resources.empty()) {
    Value resources = Value::MakeArray();
    for (const auto& r : status.resources) resources.as_array().push_back(ResourceValue(r));
    out.Set("resources", std::move(resources));
  }
  if (!status.history.empty()) {
    Value history = Value::MakeArray();
    for (const auto& h : status.history) history.as_array().push_back(HistoryValue(app, h));
    out.Set("history", std::move(history));
  }
  SetTime(out, "reconciledAt", status.reconciled_at);
  if (!status.images.empty()) {
    Value images = Value::MakeArray();
    for (const auto& image : status.images) images.as_array().push_back(image);
    out["summary"].Set("images", std::move(images));
  }
  return out;
}

}  // namespace capstan::controller
