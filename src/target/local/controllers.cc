#include "target/local/controllers.h"

#include <fmt/format.h>

#include <random>

#include "core/log.h"

namespace capstan::target::local {
namespace {

// Passes run back to back while they change something: a Deployment's new ReplicaSet gets
// its pods in the next pass. The cap keeps a controller that never settles from spinning.
constexpr int kMaxPassesPerWake = 20;

std::vector<Value> InNamespace(const std::vector<Value>& objects, std::string_view ns) {
  std::vector<Value> out;
  for (const Value& object : objects) {
    if (NamespaceOf(object) == ns) out.push_back(object);
  }
  return out;
}

}  // namespace

ControllerManager::ControllerManager(ObjectStore& objects, CascadeDelete cascade_delete,
                                     std::chrono::milliseconds resync,
                                     std::function<void()> after_pass)
    : objects_(objects),
      cascade_delete_(std::move(cascade_delete)),
      resync_(resync),
      after_pass_(std::move(after_pass)),
      name_suffix_(workload::RandomNameSuffix(std::random_device{}())) {}

ControllerManager::~ControllerManager() { Stop(); }

void ControllerManager::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ControllerManager::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ControllerManager::Wake() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  wake_.notify_all();
}

std::map<std::string, std::vector<std::string>> ControllerManager::Errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

void ControllerManager::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      auto deadline = std::chrono::system_clock::now() + resync_;
      if (next_requeue_ && *next_requeue_ < deadline) deadline = *next_requeue_;
      wake_.wait_until(lock, deadline, [this] { return dirty_ || stopping_; });
      if (stopping_) return;
      dirty_ = false;
      next_requeue_.reset();
    }
    bool changed = false;
    for (int pass = 0; pass < kMaxPassesPerWake; ++pass) {
      if (!RunPass(std::chrono::system_clock::now())) break;
      changed = true;
    }
    if (after_pass_) after_pass_();
    (void)changed;
  }
}

bool ControllerManager::RunPass(workload::TimePoint now) {
  const std::vector<Value> pods = objects_.List({"", "Pod", "", {}});
  const std::vector<Value> replica_sets = objects_.List({"apps", "ReplicaSet", "", {}});
  bool changed = false;
  for (const Value& deployment : objects_.List({"apps", "Deployment", "", {}})) {
    std::string_view ns = NamespaceOf(deployment);
    changed |= Apply(deployment,
                     workload::ReconcileDeployment(deployment, InNamespace(replica_sets, ns),
                                                   InNamespace(pods, ns), now),
                     now);
  }
  // The pods as the Deployments' changes left them are read again by the next pass;
  // ReplicaSets work from this pass's view, as Kubernetes' informers would.
  for (const Value& replica_set : objects_.List({"apps", "ReplicaSet", "", {}})) {
    changed |=
        Apply(replica_set,
              workload::ReconcileReplicaSet(
                  replica_set, InNamespace(pods, NamespaceOf(replica_set)), now, name_suffix_),
              now);
  }
  const std::vector<Value> revisions = objects_.List({"apps", "ControllerRevision", "", {}});
  for (const Value& stateful_set : objects_.List({"apps", "StatefulSet", "", {}})) {
    std::string_view ns = NamespaceOf(stateful_set);
    changed |= Apply(stateful_set,
                     workload::ReconcileStatefulSet(stateful_set, InNamespace(pods, ns),
                                                    InNamespace(revisions, ns), now),
                     now);
  }
  for (const Value& job : objects_.List({"batch", "Job", "", {}})) {
    changed |= Apply(
        job, workload::ReconcileJob(job, InNamespace(pods, NamespaceOf(job)), now, name_suffix_),
        now);
  }
  return changed;
}

bool ControllerManager::Apply(const Value& parent, const workload::Actions& actions,
                              workload::TimePoint now) {
  ObjectKey key = KeyOf(parent);
  std::string name = key.ToString();
  {
    std::lock_guard lock(mu_);
    if (actions.requeue_after) {
      auto when = now + *actions.requeue_after;
      if (!next_requeue_ || when < *next_requeue_) next_requeue_ = when;
    }
    auto known = errors_.find(name);
    if (!actions.errors.empty()) {
      if (known == errors_.end() || known->second != actions.errors) {
        for (const std::string& error : actions.errors) {
          Log(LogLevel::kWarning, "local target: {}: {}", name, error);
        }
      }
      errors_[name] = actions.errors;
    } else if (known != errors_.end()) {
      errors_.erase(known);
    }
  }
  bool changed = false;
  for (const Value& child : actions.create) {
    auto created = objects_.Create(child);
    if (!created.ok()) {
      Log(LogLevel::kWarning, "local target: {}: create {}: {}", name, KeyOf(child).ToString(),
          created.error().message());
      continue;
    }
    changed = true;
  }
  for (const Value& child : actions.update) {
    auto updated = objects_.Apply(child);
    if (!updated.ok()) {
      Log(LogLevel::kWarning, "local target: {}: update {}: {}", name, KeyOf(child).ToString(),
          updated.error().message());
      continue;
    }
    changed |= updated->StringAt({"metadata", "resourceVersion"}) !=
               child.StringAt({"metadata", "resourceVersion"});
  }
  for (const ObjectKey& child : actions.remove) {
    if (!objects_.Get(child)) continue;
    cascade_delete_(child);
    changed = true;
  }
  if (actions.parent && objects_.Get(key)) {
    auto updated = objects_.Apply(*actions.parent);
    changed |= updated.ok() && updated->StringAt({"metadata", "resourceVersion"}) !=
                                   parent.StringAt({"metadata", "resourceVersion"});
  }
  if (actions.status && objects_.Get(key)) {
    auto updated = objects_.UpdateStatus(key, *actions.status);
    changed |= updated.ok() && *updated;
  }
  return changed;
}

}  // namespace capstan::target::local
