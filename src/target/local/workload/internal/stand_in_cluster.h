// TEST SUPPORT ONLY (included by the *_test.cc files of this folder).
//
// StandInCluster: a stand-in for the API server, the caller's controller loop and the
// kubelet, so tests can run the workload controllers round after round the way the local
// target runs them: objects get uid, creationTimestamp and generation like the ObjectStore
// gives them, Actions are applied as the lead's loop applies them, and the stand-in kubelet
// moves each pod one step per round (Pending, then Running and Ready, or what `fate` says).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/time.h"
#include "core/value.h"
#include "core/yaml.h"
#include "target/local/workload/internal/objects.h"
#include "target/local/workload/workload.h"

namespace capstan {
// Values in test failures as YAML (found by GoogleTest through argument-dependent lookup).
inline void PrintTo(const Value& value, std::ostream* out) { *out << "\n" << EmitYaml(value); }
}  // namespace capstan

namespace capstan::target::local::workload::testing {

// A manifest from testdata/ (tests run in this folder).
inline Value LoadManifest(const std::string& file) {
  std::string path = "testdata/" + file;
  auto text = ReadFileBounded(path, 1u << 20);
  EXPECT_TRUE(text.ok()) << path;
  if (!text.ok()) return {};
  auto value = ParseYaml(*text, path);
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

inline Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

// What the stand-in kubelet does with a pod once it runs.
enum class PodFate {
  kReady,       // Running and Ready
  kNeverReady,  // Running, never Ready (a failing readiness probe)
  kCrashLoop,   // Running, not Ready, a container restart every round
  kSucceed,     // Running, then Succeeded (exit 0)
  kFail,        // Running, then Failed (exit 1)
};

class StandInCluster {
 public:
  explicit StandInCluster(TimePoint start = std::chrono::system_clock::from_time_t(1'750'000'000))
      : now_(start) {}

  TimePoint now() const { return now_; }
  void Advance(std::chrono::seconds by) { now_ += by; }

  // What the kubelet does with each pod (default: ready).
  std::function<PodFate(const Value& pod)> fate = [](const Value&) { return PodFate::kReady; };
  NameSuffix name_suffix = RandomNameSuffix(1);
  // Called after every change: tests check invariants here.
  std::function<void(const StandInCluster&)> after_change;
  std::vector<std::string> errors;  // every Actions::errors seen
  std::optional<std::chrono::milliseconds> last_requeue;

  // A user's `kubectl apply`: creates, or replaces labels, annotations and spec (generation
  // grows when spec changes). Returns the stored object.
  const Value& Apply(Value object) {
    if (object.At({"metadata", "namespace"}) == nullptr && KindOf(object) != "Namespace") {
      object["metadata"]["namespace"] = "default";
    }
    ObjectKey key = KeyOf(object);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Create(std::move(object));
    Value& stored = it->second;
    bool spec_changed = false;
    for (const auto& [field, value] : object.as_object()) {
      if (field == "metadata" || field == "status" || field == "apiVersion" || field == "kind") {
        continue;
      }
      const Value* old = stored.Find(field);
      if (old == nullptr || *old != value) spec_changed = true;
      stored.Set(field, value);
    }
    for (const char* field : {"labels", "annotations"}) {
      if (const Value* value = object.At({"metadata", field})) {
        stored["metadata"].Set(field, *value);
      } else {
        stored["metadata"].Erase(field);
      }
    }
    if (spec_changed) {
      stored["metadata"].Set("generation", internal::IntAt(stored, {"metadata", "generation"}) + 1);
    }
    Changed();
    return stored;
  }

  const Value* Get(std::string_view kind, std::string_view name,
                   std::string_view ns = "default") const {
    for (const auto& [key, object] : objects_) {
      if (key.kind == kind && key.name == name && key.ns == ns) return &object;
    }
    return nullptr;
  }

  // Every object of `kind`, oldest first.
  std::vector<Value> List(std::string_view kind) const {
    std::vector<std::pair<int64_t, const Value*>> found;
    for (const auto& [key, object] : objects_) {
      if (key.kind == kind) found.emplace_back(order_.at(key), &object);
    }
    std::sort(found.begin(), found.end());
    std::vector<Value> out;
    for (const auto& entry : found) out.push_back(*entry.second);
    return out;
  }

  void SetStatus(const ObjectKey& key, Value status) {
    objects_.at(key).Set("status", std::move(status));
    Changed();
  }

  // Applies what one reconcile of `parent` asked for, as the lead's loop does.
  void ApplyActions(const ObjectKey& parent, const Actions& actions) {
    for (const std::string& error : actions.errors) errors.push_back(error);
    for (const Value& object : actions.create) Create(object);
    for (const Value& object : actions.update) {
      Value& stored = objects_.at(KeyOf(object));
      bool spec_changed = false;
      for (const auto& [field, value] : object.as_object()) {
        if (field == "metadata" || field == "status") continue;
        if (stored.Find(field) == nullptr || *stored.Find(field) != value) spec_changed = true;
        stored.Set(field, value);
      }
      for (const char* field : {"labels", "annotations"}) {
        if (const Value* value = object.At({"metadata", field}))
          stored["metadata"].Set(field, *value);
      }
      if (spec_changed) {
        stored["metadata"].Set("generation",
                               internal::IntAt(stored, {"metadata", "generation"}) + 1);
      }
    }
    for (const ObjectKey& key : actions.remove) Delete(key);
    if (objects_.count(parent) != 0) {
      if (actions.parent) {
        const Value* annotations = actions.parent->At({"metadata", "annotations"});
        objects_.at(parent)["metadata"].Set("annotations",
                                            annotations ? *annotations : Value::MakeObject());
      }
      if (actions.status) objects_.at(parent).Set("status", *actions.status);
    }
    if (actions.requeue_after) last_requeue = actions.requeue_after;
    if (!actions.empty()) Changed();
  }

  // One pass of every controller over every parent of its kind, in the local target's order
  // (Deployments, ReplicaSets, StatefulSets, Jobs). Returns whether anything but a requeue
  // happened.
  bool ReconcileOnce() {
    bool changed = false;
    auto run = [&](const ObjectKey& key, const Actions& actions) {
      Actions copy = actions;
      copy.requeue_after.reset();
      if (!copy.empty()) changed = true;
      ApplyActions(key, actions);
    };
    for (const Value& d : List("Deployment")) {
      run(KeyOf(d), ReconcileDeployment(d, List("ReplicaSet"), List("Pod"), now_));
    }
    for (const Value& rs : List("ReplicaSet")) {
      if (objects_.count(KeyOf(rs)) == 0) continue;
      run(KeyOf(rs), ReconcileReplicaSet(rs, List("Pod"), now_, name_suffix));
    }
    for (const Value& set : List("StatefulSet")) {
      run(KeyOf(set), ReconcileStatefulSet(set, List("Pod"), List("ControllerRevision"), now_));
    }
    for (const Value& job : List("Job")) {
      if (objects_.count(KeyOf(job)) == 0) continue;
      run(KeyOf(job), ReconcileJob(job, List("Pod"), now_, name_suffix));
    }
    return changed;
  }

  // Controllers until nothing changes (bounded).
  void Settle(int max_passes = 20) {
    for (int i = 0; i < max_passes && ReconcileOnce(); ++i) {
    }
  }

  // The kubelet stand-in: every pod moves one step.
  void KubeletStep() {
    std::vector<ObjectKey> gone;
    for (auto& [key, pod] : objects_) {
      if (key.kind != "Pod") continue;
      if (internal::IsTerminating(pod)) {
        gone.push_back(key);
        continue;
      }
      std::string_view phase = internal::PodPhase(pod);
      if (phase == "Succeeded" || phase == "Failed") continue;
      Value& status = pod["status"];
      if (phase.empty()) {
        pod["spec"].Set("nodeName", "local");
        status = Value::MakeObject();
        status["phase"] = "Pending";
        continue;
      }
      PodFate what = fate(pod);
      bool was_running = phase == "Running";
      status.Set("phase", "Running");
      if (!status.Contains("startTime")) status.Set("startTime", Timestamp());
      bool ready = what == PodFate::kReady;
      int64_t restarts =
          internal::MaxContainerRestarts(pod) + (what == PodFate::kCrashLoop ? 1 : 0);
      if (was_running && (what == PodFate::kSucceed || what == PodFate::kFail)) {
        status.Set("phase", what == PodFate::kSucceed ? "Succeeded" : "Failed");
        ready = false;
      }
      SetReady(status, ready);
      Value container = Value::MakeObject();
      container["name"] = "main";
      container["ready"] = ready;
      container["restartCount"] = restarts;
      if (internal::PodPhase(pod) == "Succeeded" || internal::PodPhase(pod) == "Failed") {
        container["state"]["terminated"]["exitCode"] = what == PodFate::kSucceed ? 0 : 1;
        container["state"]["terminated"]["finishedAt"] = Timestamp();
      }
      status.Set("containerStatuses", Value::Array{container});
    }
    for (const ObjectKey& key : gone) objects_.erase(key);
    Changed();
  }

  // A kubelet step, then the controllers until they settle; `rounds` times, a second apart.
  void Rounds(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      Advance(std::chrono::seconds(1));
      KubeletStep();
      Settle();
    }
  }

  // Marks a pod as deleted by a user (the kubelet removes it on its next step).
  void DeletePod(std::string_view name) { Delete({"", "Pod", "default", std::string(name)}); }

 private:
  std::string Timestamp() const { return FormatRfc3339(now_); }

  void SetReady(Value& status, bool ready) {
    std::string value = ready ? "True" : "False";
    const Value* old = internal::FindCondition(status, "Ready");
    if (old != nullptr && old->StringAt({"status"}) == value) return;
    internal::RemoveCondition(status, "Ready");
    Value condition = internal::MakeCondition("Ready", value, "", "");
    condition["lastTransitionTime"] = Timestamp();
    if (!status["conditions"].is_array()) status["conditions"] = Value::MakeArray();
    status["conditions"].as_array().push_back(condition);
  }

  const Value& Create(Value object) {
    ObjectKey key = KeyOf(object);
    if (objects_.count(key) != 0) {
      errors.push_back("create " + key.ToString() + ": already exists");
      return objects_.at(key);
    }
    Value& metadata = object["metadata"];
    metadata.Set("uid", "uid-" + std::to_string(++counter_));
    metadata.Set("creationTimestamp", Timestamp());
    metadata.Set("generation", 1);
    order_[key] = counter_;
    Value& stored = objects_[key] = std::move(object);
    Changed();
    return stored;
  }

  // Pods are marked deleting (the kubelet removes them); anything else goes at once with
  // what it controls (background cascading deletion).
  void Delete(const ObjectKey& key) {
    auto it = objects_.find(key);
    if (it == objects_.end()) return;
    if (key.kind == "Pod") {
      if (!internal::IsTerminating(it->second))
        it->second["metadata"].Set("deletionTimestamp", Timestamp());
      return;
    }
    std::string uid(internal::UidOf(it->second));
    objects_.erase(it);
    std::vector<ObjectKey> dependents;
    for (const auto& [child, object] : objects_) {
      if (internal::IsControlledBy(object, uid)) dependents.push_back(child);
    }
    for (const ObjectKey& child : dependents) Delete(child);
  }

  void Changed() {
    if (after_change) after_change(*this);
  }

  TimePoint now_;
  std::map<ObjectKey, Value> objects_;
  std::map<ObjectKey, int64_t> order_;
  int64_t counter_ = 0;
};

}  // namespace capstan::target::local::workload::testing
