// Crash-loop back-off: how long the local kubelet waits before restarting a container that
// exited, as Kubernetes' kubelet does (kuberuntime's doBackOff over flowcontrol.Backoff).
//
//   exit 1 -> restarted at once, back-off becomes 10 s
//   exit 2 -> waits 10 s (waiting: CrashLoopBackOff "back-off 10s ..."), then 20 s
//   exit 3 -> waits 20 s, then 40 s ... 80 s, 160 s, capped at 300 s ("back-off 5m0s ...")
// The back-off resets to 10 s when a container exits more than 10 minutes (twice the cap)
// after its last restart, i.e. after it ran for about 10 minutes. A container that exits 0
// under restartPolicy Always backs off the same way, as in Kubernetes.
//
// Pure: time is a parameter. Not thread-safe; one RestartBackOff per container of a pod
// (a changed container spec starts a new one, as the kubelet keys it by the spec's hash).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace capstan::target::local {

using Clock = std::chrono::system_clock;

// The first wait, doubled after each restart (kubelet's backOffPeriod).
inline constexpr std::chrono::seconds kInitialBackOff{10};
// The longest wait (kubelet's MaxContainerBackOff).
inline constexpr std::chrono::seconds kMaxBackOff{300};

// Names the container in messages, as the kubelet's format.Pod does: "web_default(uid)".
struct BackOffSubject {
  std::string container;
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
};

struct RestartDecision {
  bool restart = false;  // true: start the container now
  // When restart is false: the back-off being waited out, when it ends, and the container's
  // waiting message: "back-off 20s restarting failed container=web pod=web_default(uid)".
  std::chrono::seconds back_off{0};
  Clock::time_point retry_at;
  std::string message;
};

class RestartBackOff {
 public:
  // The container last exited at `finished_at`; the kubelet would restart it at `now`.
  // Returns restart = true when it may (and counts that restart, so the next wait doubles),
  // else the wait. Calling it again before retry_at changes nothing.
  RestartDecision Decide(Clock::time_point finished_at, Clock::time_point now,
                         const BackOffSubject& subject);

  // The current back-off, 0 before the first restart.
  std::chrono::seconds current() const { return back_off_; }

 private:
  bool Expired(Clock::time_point finished_at) const;

  std::chrono::seconds back_off_{0};
  std::optional<Clock::time_point> last_update_;  // when the last restart was allowed
};

// A duration as Go prints it, for messages in Kubernetes' words: 10s, 1m20s, 5m0s, 1h0m0s.
std::string FormatGoDuration(std::chrono::seconds duration);

}  // namespace capstan::target::local
