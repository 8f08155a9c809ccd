// Ordering tasks and cutting them into waves.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "sync/internal/annotations.h"
#include "sync/internal/steps.h"

namespace capstan::sync::internal {

namespace {

bool Before(const Task& a, const Task& b) {
  // Name decides after kind, as in Argo CD; namespace and group only break ties between
  // objects Argo CD would leave in input order, so the plan never depends on it.
  return std::make_tuple(a.phase, a.wave, KindOrder(a.key.kind), std::cref(a.key.name),
                         std::cref(a.key.ns), std::cref(a.key.group)) <
         std::make_tuple(b.phase, b.wave, KindOrder(b.key.kind), std::cref(b.key.name),
                         std::cref(b.key.ns), std::cref(b.key.group));
}

bool IsPrune(const Task& task) {
  return task.action == Action::kPrune || task.action == Action::kPruneSkip;
}

using KeyFn = std::function<std::optional<std::string>(const Task&)>;

// Moves each dependency (a task for which `dependency` gives a key) to just before the
// first task that `references` the same key and was sorted ahead of it, giving it that
// task's phase and wave: a Namespace in wave 2 is still created before a ConfigMap in it
// in wave 0.
void MoveDependenciesFirst(std::vector<Task>& tasks, const KeyFn& dependency,
                           const KeyFn& references) {
  std::map<std::string, size_t> first_reference;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (IsPrune(tasks[i])) continue;
    if (std::optional<std::string> key = dependency(tasks[i])) {
      auto found = first_reference.find(*key);
      if (found == first_reference.end()) continue;
      size_t index = found->second;
      tasks[i].phase = tasks[index].phase;
      tasks[i].wave = tasks[index].wave;
      std::rotate(tasks.begin() + static_cast<std::ptrdiff_t>(index),
                  tasks.begin() + static_cast<std::ptrdiff_t>(i),
                  tasks.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      for (auto& [other, position] : first_reference) {
        if (position >= index) ++position;
      }
    } else if (std::optional<std::string> key = references(tasks[i])) {
      first_reference.emplace(*key, i);
    }
  }
}

std::optional<std::string> NamespaceKey(const Task& task) {
  if (task.key.kind == "Namespace" && task.key.group.empty()) return task.key.name;
  return std::nullopt;
}

std::optional<std::string> InNamespace(const Task& task) {
  if (task.key.ns.empty()) return std::nullopt;
  return task.key.ns;
}

std::optional<std::string> CrdKey(const Task& task) {
  if (task.key.kind != "CustomResourceDefinition" || task.key.group != "apiextensions.k8s.io") {
    return std::nullopt;
  }
  const Value* group = task.object.At({"spec", "group"});
  const Value* kind = task.object.At({"spec", "names", "kind"});
  if (group == nullptr || kind == nullptr || !group->is_string() || !kind->is_string()) {
    return std::nullopt;
  }
  return group->as_string() + "/" + kind->as_string();
}

std::optional<std::string> GroupKind(const Task& task) {
  return task.key.group + "/" + task.key.kind;
}

}  // namespace

void SortTasks(std::vector<Task>& tasks) {
  std::stable_sort(tasks.begin(), tasks.end(), Before);
  MoveDependenciesFirst(tasks, NamespaceKey, InNamespace);
  MoveDependenciesFirst(tasks, CrdKey, GroupKind);
}

Plan GroupWaves(std::vector<Task> tasks) {
  Plan plan;
  for (Task& task : tasks) {
    std::vector<Wave>& waves = task.phase == Phase::kSyncFail ? plan.sync_fail : plan.waves;
    if (waves.empty() || waves.back().phase != task.phase || waves.back().wave != task.wave) {
      waves.push_back({task.phase, task.wave, {}});
    }
    waves.back().tasks.push_back(std::move(task));
  }
  for (std::vector<Wave>* waves : {&plan.waves, &plan.sync_fail}) {
    for (Wave& wave : *waves) {
      // Prunes of a wave run before its applies (Argo CD prunes first); among themselves in
      // reverse order, so a Deployment goes before the ServiceAccount it runs as.
      auto applies = std::stable_partition(wave.tasks.begin(), wave.tasks.end(), IsPrune);
      std::reverse(wave.tasks.begin(), applies);
    }
  }
  return plan;
}

}  // namespace capstan::sync::internal
