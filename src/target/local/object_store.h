// ObjectStore: the local target's API server. It holds every object applied to this
// machine (Deployments, Pods, Services...) with the metadata an API server keeps (uid,
// generation, resourceVersion, creationTimestamp, deletionTimestamp), in memory for speed
// and written through to capstan's SQLite store so a restart finds them again.
//
// Thread-safe. Listeners run after the change is visible, on the thread that made it,
// without the store's lock held: keep them short (enqueue work).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/label_selector.h"
#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::store {
class Store;
}

namespace capstan::target::local {

using ClockFunction = std::function<std::chrono::system_clock::time_point()>;

// Which objects List returns. Empty group and kind are the core group's kinds.
struct ObjectFilter {
  std::string group;
  std::string kind;
  std::string ns;  // empty: every namespace
  LabelSelector labels;
};

class ObjectStore {
 public:
  // Called with the object after a change; `removed` when it is gone (the object is then
  // the last state it had).
  using Listener = std::function<void(const Value& object, bool removed)>;

  // Loads what `store` holds (nullptr: memory only). Errors are the store's.
  static Result<std::unique_ptr<ObjectStore>> Open(store::Store* store, ClockFunction clock = {});

  // Adds a listener; call before the store is shared between threads.
  void Subscribe(Listener listener);

  std::optional<Value> Get(const ObjectKey& key) const;
  std::vector<Value> List(const ObjectFilter& filter) const;

  // Server-side apply by one manager: the object's labels, annotations, owner references,
  // finalizers and every top-level field but status replace the stored ones; status and the
  // server's metadata are kept. A new object gets a uid and creationTimestamp; generation
  // grows when anything but metadata and status changed. Returns the stored object (or,
  // with dry_run, what would be stored). Conflict when the object is being deleted.
  Result<Value> Apply(const Value& object, bool dry_run = false);

  // Creates `object` (metadata.generateName gets a random suffix when name is empty).
  // Conflict when it exists.
  Result<Value> Create(Value object);

  // Replaces status only; true when it changed (an unchanged status writes nothing).
  // NotFound when the object is gone.
  Result<bool> UpdateStatus(const ObjectKey& key, const Value& status);

  // Sets metadata.deletionTimestamp (graceful deletion: the kubelet stops a Pod's
  // containers, then calls Remove). Returns false when the object does not exist.
  bool MarkDeleting(const ObjectKey& key);

  // Removes the object at once. OK when it does not exist.
  Status Remove(const ObjectKey& key);

  // The store key of an object: "group/kind/namespace/name".
  static std::string StoreKey(const ObjectKey& key);

 private:
  ObjectStore(store::Store* store, ClockFunction clock);
  Status Persist(const ObjectKey& key, const Value* object);  // REQUIRES: mu_ held
  void Notify(const Value& object, bool removed) const;
  std::string NewUid();

  store::Store* const store_;  // may be null
  const ClockFunction clock_;
  std::vector<Listener> listeners_;  // constant once shared

  mutable std::mutex mu_;
  std::map<ObjectKey, Value> objects_;  // guarded by mu_
  int64_t resource_version_ = 0;        // guarded by mu_
  uint64_t uid_counter_ = 0;            // guarded by mu_
};

}  // namespace capstan::target::local
