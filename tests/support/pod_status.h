// What the test stand-in for a kubelet reports for a Pod: pure functions from the Pod's
// spec and annotations, the time the stand-in started it, and the time now.
//
// No container runs. A Pod's behaviour is chosen by the test that creates it:
//   restartPolicy Always (the default)     Running, Ready, until deleted
//   restartPolicy Never or OnFailure       Running for kRunSecondsAnnotation seconds
//                                          (default 1), then Succeeded (exit code 0) or
//                                          Failed with exit code kExitCodeAnnotation
//   a container image kPullErrorImage      Pending, that container waiting in
//                                          ImagePullBackOff
//   kReadyAnnotation "false"               Running, its containers started but not Ready
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace capstan::standin {

using Clock = std::chrono::system_clock;

inline constexpr char kRunSecondsAnnotation[] = "test-kubelet.capstan.dev/run-seconds";
inline constexpr char kExitCodeAnnotation[] = "test-kubelet.capstan.dev/exit-code";
inline constexpr char kReadyAnnotation[] = "test-kubelet.capstan.dev/ready";
inline constexpr char kPullErrorImage[] = "test-kubelet.invalid/pull-error";
// How long a Job's Pod runs when it names no run-seconds.
inline constexpr int kDefaultRunSeconds = 1;
// Bounds on the annotations, so a typo cannot make a Pod run for days.
inline constexpr int kMaxRunSeconds = 3600;
inline constexpr int kMaxExitCode = 255;

// What the stand-in remembers about a Pod it has started.
struct PodRun {
  Clock::time_point started;  // status.startTime, and when its containers started
  std::string pod_ip;         // 127.0.0.x
};

// The Pod's status as a kubelet would report it at `now` (phase, conditions, container
// statuses, IPs, startTime). Annotations that do not parse fall back to their defaults.
Value DesiredPodStatus(const Value& pod, const PodRun& run, Clock::time_point now,
                       std::string_view host_ip);

// When a Pod that ends (restartPolicy Never or OnFailure) does so; std::nullopt for one
// that runs until deleted or never starts (an image that cannot be pulled).
std::optional<Clock::time_point> PodEndsAt(const Value& pod, const PodRun& run);

// Whether `have` already says everything `want` says: every member of a `want` object is
// in `have` with a covering value, arrays cover element by element with equal length, and
// a null in `want` is covered by a null or a missing member (the server drops some).
bool Covers(const Value& have, const Value& want);

// RFC 3339 in UTC with second precision, as Kubernetes writes times:
// "2026-11-22T03:17:36Z".
std::string FormatTime(Clock::time_point time);
// The inverse; Invalid when `text` is not of that form.
Result<Clock::time_point> ParseTime(std::string_view text);

}  // namespace capstan::standin
