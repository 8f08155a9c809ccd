// Informer: a local copy of the objects one Selector matches, kept current by list then
// watch, as client-go's ListWatch/Reflector. It reconnects on errors with back-off,
// continues from the last resource version when the server closes a watch, and lists
// again when the version is too old (410 Gone).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/object.h"
#include "core/value.h"
#include "target/kube/kube.h"

namespace capstan::target::kube {

struct InformerOptions {
  // Wait after the first failure of a list or watch; doubled per further failure. 500 ms.
  std::chrono::milliseconds initial_backoff{500};
  // Longest wait between attempts. Default 30 s: an API server that is down for long is
  // asked twice a minute, not hammered.
  std::chrono::milliseconds max_backoff{30'000};
};

// Called on the informer's thread for every change, in the order the server saw them.
// After a relist, the differences from the previous copy arrive as Added, Modified
// (resourceVersion differs) and Deleted events. Must not call back into the Informer's
// Stop() or destructor.
using InformerCallback = std::function<void(const WatchEvent&)>;

// The objects of one informer, by key.
using ObjectStore = std::map<ObjectKey, Value>;

// Replaces `store` with `items` (a fresh list) and returns the events that turn the old
// copy into the new one: Added for new keys, Modified for changed resourceVersions, Deleted
// (with the last known object) for keys no longer listed. Pure.
std::vector<WatchEvent> Relist(ObjectStore& store, std::vector<Value> items);

// Applies one watch event to `store`. Pure.
void ApplyEvent(ObjectStore& store, const WatchEvent& event);

// What the informer does after a watch ends. Pure.
enum class NextStep { kWatchAgain, kRelist, kBackOffAndRelist, kStop };
NextStep AfterWatch(const Result<WatchEnd>& end, bool stop_requested);

// Thread-safe. Runs one thread from construction until Stop() or destruction. Holds a
// reference to `client`, which must outlive it.
class Informer {
 public:
  Informer(KubeClient& client, Selector selector, InformerCallback on_change,
           InformerOptions options = {});
  ~Informer();  // Stop()
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Ends the watch (within about 100 ms) and joins the thread. Idempotent.
  void Stop();

  // Whether the first list has been delivered; WaitForSync waits up to `timeout` for it.
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // A copy of the current objects; empty before the first list.
  std::vector<Value> Snapshot() const;
  std::optional<Value> Get(const ObjectKey& key) const;

  // How many times the informer has listed (1 after the first sync; more after a 410 or
  // an error). For tests and metrics.
  int list_count() const;
  // The last list or watch error, empty when the last attempt succeeded.
  std::string last_error() const;

  const Selector& selector() const { return selector_; }

 private:
  void Run(const std::stop_token& stop);
  // Sleeps for the back-off of `failures`, waking early on stop. False when stopped.
  bool BackOff(int failures, const std::stop_token& stop);
  void Deliver(const std::vector<WatchEvent>& events);

  // Constant after construction.
  KubeClient& client_;
  const Selector selector_;
  const InformerCallback on_change_;
  const InformerOptions options_;

  mutable std::mutex mu_;
  mutable std::condition_variable_any synced_cv_;
  ObjectStore store_;       // guarded by mu_
  bool synced_ = false;     // guarded by mu_
  int list_count_ = 0;      // guarded by mu_
  std::string last_error_;  // guarded by mu_

  std::jthread thread_;  // last: starts after every member above exists
};

}  // namespace capstan::target::kube
