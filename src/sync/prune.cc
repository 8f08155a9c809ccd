// Prune tasks: live objects this Application created that Git no longer declares.
#include <algorithm>
#include <set>

#include "sync/internal/annotations.h"
#include "sync/internal/steps.h"
#include "target/target.h"

namespace capstan::sync::internal {

namespace {

bool CreatedByApp(const Value& live, std::string_view app) {
  const Value* id = live.At({"metadata", "annotations", target::kTrackingAnnotation});
  return id != nullptr && id->is_string() && id->as_string() == TrackingId(app, KeyOf(live));
}

// Deletion runs opposite to creation: the prune waves are mirrored (lowest ↔ highest), so
// what was created last is deleted first, as Argo CD does.
void ReverseWaves(std::vector<Task>& prunes) {
  std::set<int> unique;
  for (const Task& task : prunes) unique.insert(task.wave);
  std::vector<int> waves(unique.begin(), unique.end());
  for (Task& task : prunes) {
    size_t index = std::lower_bound(waves.begin(), waves.end(), task.wave) - waves.begin();
    task.wave = waves[waves.size() - 1 - index];
  }
}

}  // namespace

std::vector<Task> PruneTasks(const PlanInput& input, const PlanOptions& options,
                             const std::vector<Task>& tasks) {
  std::set<ObjectKey> desired;
  for (const Manifest& manifest : input.desired) desired.insert(KeyOf(manifest.object));

  std::vector<Task> prunes;
  for (const Value& live : input.live) {
    ObjectKey key = KeyOf(live);
    if (desired.count(key) != 0 || IsHook(live) || !CreatedByApp(live, options.app)) continue;
    Task task;
    task.key = std::move(key);
    task.action = Action::kPrune;
    // A live object's annotation was valid when it was applied; if someone has since
    // edited it into garbage, pruning it in wave 0 is better than refusing to sync.
    Result<int> wave = WaveOf(live, "");
    task.wave = wave.ok() ? *wave : 0;
    task.object = live;
    task.live = live;
    if (!options.prune) {
      task.action = Action::kPruneSkip;
      task.message = "ignored (requires pruning)";
    } else if (HasSyncOption(live, "Prune=false")) {
      task.action = Action::kPruneSkip;
      task.message = "ignored (no prune)";
    }
    prunes.push_back(std::move(task));
  }
  ReverseWaves(prunes);

  // PruneLast: one wave after the last Sync wave (counting the prunes' own waves).
  int last_wave = 0;
  for (const Task& task : tasks) {
    if (task.phase == Phase::kSync) last_wave = std::max(last_wave, task.wave);
  }
  for (const Task& task : prunes) last_wave = std::max(last_wave, task.wave);
  for (Task& task : prunes) {
    if (options.prune_last || HasSyncOption(task.object, "PruneLast=true")) {
      task.wave = last_wave + 1;
    }
  }
  return prunes;
}

}  // namespace capstan::sync::internal
