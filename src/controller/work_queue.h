// A work queue keyed by name, as client-go's: the controllers' reconcile loops take keys
// from it, never objects, so a burst of events for one Application becomes one reconcile
// of its latest state (level-triggered).
//
// Guarantees:
//   - a key is handed to at most one worker at a time;
//   - a key added while it is queued is queued once;
//   - a key added while a worker holds it is queued again when the worker calls Done, so
//     no change is missed;
//   - AddAfter delivers the key no earlier than the delay; AddRateLimited delays it by an
//     exponential back-off per key that Forget resets.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace capstan::controller {

struct BackoffOptions {
  // First delay of AddRateLimited; doubles each time, up to `max`. Argo CD and client-go use
  // 5 ms..1000 s for controllers; capstan retries syncs slower by default because a failed
  // apply usually needs a person or a new commit.
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds max{std::chrono::minutes(5)};
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkQueue(BackoffOptions backoff = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::duration delay);
  // Adds after this key's next back-off delay (base, 2×base, 4×base ... max).
  void AddRateLimited(const std::string& key);
  // Resets the key's back-off: call after a reconcile that succeeded.
  void Forget(const std::string& key);
  // How many times AddRateLimited was called since the last Forget.
  int Retries(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (then std::nullopt). The caller
  // holds the key until it calls Done(key).
  std::optional<std::string> Get();
  void Done(const std::string& key);

  // Wakes every Get with std::nullopt; later adds are ignored.
  void ShutDown();
  bool ShuttingDown() const;

  // Keys ready now plus those waiting for their delay (for metrics and tests).
  size_t Length() const;

 private:
  void AddLocked(const std::string& key);
  void PromoteDueLocked(Clock::time_point now);

  const BackoffOptions backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                          // ready, in order
  std::set<std::string> dirty_;                            // queued or to be requeued on Done
  std::set<std::string> processing_;                       // held by a worker
  std::multimap<Clock::time_point, std::string> waiting_;  // AddAfter, by due time
  std::map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace capstan::controller
