// ProbeTracker: the kubelet's probe workers (pkg/kubelet/prober/worker.go) as a pure state
// machine over one container instance.
#include <algorithm>

#include "target/local/pod/probe.h"

namespace capstan::target::local {

using TimePoint = std::chrono::system_clock::time_point;

ProbeTracker::ProbeTracker(std::optional<ProbeSpec> startup, std::optional<ProbeSpec> readiness,
                           std::optional<ProbeSpec> liveness, TimePoint started_at) {
  startup_.spec = std::move(startup);
  readiness_.spec = std::move(readiness);
  liveness_.spec = std::move(liveness);
  for (Worker* w : {&startup_, &readiness_, &liveness_}) {
    if (w->spec) w->next_due = started_at + std::chrono::seconds(w->spec->initial_delay_seconds);
  }
  started_ = !startup_.spec.has_value();
  // Without a readiness probe a started container is ready; with one it starts not ready.
  ready_ = !readiness_.spec.has_value();
}

ProbeTracker::Worker& ProbeTracker::worker(ProbeType type) {
  return const_cast<Worker&>(std::as_const(*this).worker(type));
}

const ProbeTracker::Worker& ProbeTracker::worker(ProbeType type) const {
  switch (type) {
    case ProbeType::kStartup:
      return startup_;
    case ProbeType::kReadiness:
      return readiness_;
    case ProbeType::kLiveness:
      break;
  }
  return liveness_;
}

bool ProbeTracker::has(ProbeType type) const { return worker(type).spec.has_value(); }

const ProbeSpec& ProbeTracker::spec(ProbeType type) const { return *worker(type).spec; }

bool ProbeTracker::Due(ProbeType type, TimePoint now) const {
  const Worker& w = worker(type);
  if (!w.spec || should_restart()) return false;
  // The startup probe runs until it succeeds; the others only after.
  if ((type == ProbeType::kStartup) == started_) return false;
  return now >= w.next_due;
}

std::optional<TimePoint> ProbeTracker::NextDue() const {
  std::optional<TimePoint> next;
  if (should_restart()) return next;
  for (ProbeType type : {ProbeType::kStartup, ProbeType::kReadiness, ProbeType::kLiveness}) {
    const Worker& w = worker(type);
    if (!w.spec || (type == ProbeType::kStartup) == started_) continue;
    if (!next || w.next_due < *next) next = w.next_due;
  }
  return next;
}

void ProbeTracker::Record(ProbeType type, const ProbeOutcome& outcome, TimePoint now) {
  Worker& w = worker(type);
  if (!w.spec) return;
  w.next_due = now + std::chrono::seconds(w.spec->period_seconds);
  if (outcome.result == ProbeOutcome::Result::kError) return;  // thrown away, as the kubelet
  if (w.last == outcome.result) {
    ++w.run;
  } else {
    w.last = outcome.result;
    w.run = 1;
  }
  bool success = outcome.success();
  if (w.run < (success ? w.spec->success_threshold : w.spec->failure_threshold)) return;
  switch (type) {
    case ProbeType::kStartup:
      if (success) {
        started_ = true;
      } else {
        restart_reason_ = "startup";
      }
      break;
    case ProbeType::kReadiness:
      ready_ = success;
      break;
    case ProbeType::kLiveness:
      if (!success) restart_reason_ = "liveness";
      break;
  }
}

}  // namespace capstan::target::local
