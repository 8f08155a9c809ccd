// Hook tasks: desired objects with a hook annotation, created once per phase they name.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sync/internal/annotations.h"
#include "sync/internal/steps.h"

namespace capstan::sync::internal {

namespace {

// Argo CD's name for a hook with only generateName: fixed for one operation (revision and
// start time), different for the next, so each sync runs a fresh object.
std::string HookName(std::string_view generate_name, Phase phase, const PlanOptions& options) {
  constexpr size_t kRevisionChars = 7;
  std::string_view revision = options.revision;
  if (revision.size() > kRevisionChars) revision = revision.substr(0, kRevisionChars);
  std::string suffix = fmt::format("{}-{}-{}", revision, PhaseName(phase), options.started_at_unix);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::string(generate_name) + suffix;
}

}  // namespace

Result<std::vector<Task>> HookTasks(const PlanInput& input, const LiveIndex& live,
                                    const PlanOptions& options) {
  std::vector<Task> tasks;
  if (options.skip_hooks) return tasks;
  for (const Manifest& manifest : input.desired) {
    if (!IsHook(manifest.object)) continue;
    CAPSTAN_TRY(CheckSyncOptions(manifest.object, manifest.source));
    Result<int> wave = WaveOf(manifest.object, manifest.source);
    if (!wave.ok()) return std::move(wave).error();
    for (Phase phase : PhasesOf(manifest.object)) {
      Task task;
      task.action = Action::kCreateHook;
      task.phase = phase;
      task.wave = *wave;
      task.object = manifest.object;
      if (NameOf(task.object).empty()) {
        task.object["metadata"].Set(
            "name", HookName(task.object.StringAt({"metadata", "generateName"}), phase, options));
      }
      task.key = KeyOf(task.object);
      if (auto found = live.find(task.key); found != live.end()) task.live = *found->second;
      task.source = manifest.source;
      task.is_hook = true;
      task.delete_policies = DeletePoliciesOf(manifest.object);
      task.skip_dry_run_on_missing_kind =
          HasSyncOption(manifest.object, "SkipDryRunOnMissingResource=true");
      task.skip_validation = HasSyncOption(manifest.object, "Validate=false");
      tasks.push_back(std::move(task));
    }
  }
  return tasks;
}

Result<std::vector<Task>> ResourceTasks(const PlanInput& input, const LiveIndex& live) {
  std::vector<Task> tasks;
  for (const Manifest& manifest : input.desired) {
    if (IsHook(manifest.object)) continue;
    CAPSTAN_TRY(CheckSyncOptions(manifest.object, manifest.source));
    Result<int> wave = WaveOf(manifest.object, manifest.source);
    if (!wave.ok()) return std::move(wave).error();
    for (Phase phase : PhasesOf(manifest.object)) {
      Task task;
      task.key = KeyOf(manifest.object);
      task.action = Action::kApply;
      task.phase = phase;
      task.wave = *wave;
      task.object = manifest.object;
      if (auto found = live.find(task.key); found != live.end()) task.live = *found->second;
      task.source = manifest.source;
      task.skip_dry_run_on_missing_kind =
          HasSyncOption(manifest.object, "SkipDryRunOnMissingResource=true");
      task.skip_validation = HasSyncOption(manifest.object, "Validate=false");
      tasks.push_back(std::move(task));
    }
  }
  return tasks;
}

}  // namespace capstan::sync::internal
