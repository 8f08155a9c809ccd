#include <fmt/format.h>

#include "sync/internal/runner.h"
#include "sync/sync.h"

namespace capstan::sync {

std::string_view OperationPhaseName(OperationPhase phase) {
  switch (phase) {
    case OperationPhase::kRunning:
      return "Running";
    case OperationPhase::kTerminating:
      return "Terminating";
    case OperationPhase::kFailed:
      return "Failed";
    case OperationPhase::kError:
      return "Error";
    case OperationPhase::kSucceeded:
      return "Succeeded";
  }
  return "Error";
}

std::string_view ResultCodeName(ResultCode code) {
  switch (code) {
    case ResultCode::kSynced:
      return "Synced";
    case ResultCode::kSyncFailed:
      return "SyncFailed";
    case ResultCode::kPruned:
      return "Pruned";
    case ResultCode::kPruneSkipped:
      return "PruneSkipped";
  }
  return "SyncFailed";
}

Value StampOwnership(Value object, std::string_view app) {
  std::string id = TrackingId(app, KeyOf(object));
  Value& metadata = object["metadata"];
  metadata["labels"].Set(target::kAppLabel, std::string(app));
  metadata["annotations"].Set(target::kTrackingAnnotation, std::move(id));
  return object;
}

SyncResult RunSync(target::Target& target, const Plan& plan, const SyncOptions& options) {
  return internal::Runner(target, plan, options).Run();
}

namespace internal {

std::string Named(const ObjectKey& key, const std::string& message) {
  std::string name = key.ToString();
  if (message.empty()) return name;
  // The Target's errors already name the object.
  if (message.find(name) != std::string::npos) return message;
  return fmt::format("{}: {}", name, message);
}

}  // namespace internal

}  // namespace capstan::sync
