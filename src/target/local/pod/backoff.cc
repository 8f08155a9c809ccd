#include "target/local/pod/backoff.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::target::local {

// flowcontrol.Backoff's hasExpired: an exit more than twice the cap after the last restart
// means the container ran long enough to be considered stable again.
bool RestartBackOff::Expired(Clock::time_point finished_at) const {
  return finished_at - *last_update_ > 2 * kMaxBackOff;
}

RestartDecision RestartBackOff::Decide(Clock::time_point finished_at, Clock::time_point now,
                                       const BackOffSubject& subject) {
  RestartDecision decision;
  bool tracked = last_update_.has_value() && !Expired(finished_at);
  if (tracked && now - finished_at < back_off_) {
    decision.back_off = back_off_;
    decision.retry_at = finished_at + back_off_;
    decision.message = fmt::format("back-off {} restarting failed container={} pod={}_{}({})",
                                   FormatGoDuration(back_off_), subject.container, subject.pod_name,
                                   subject.pod_namespace, subject.pod_uid);
    return decision;
  }
  back_off_ = tracked ? std::min(back_off_ * 2, std::chrono::seconds(kMaxBackOff))
                      : std::chrono::seconds(kInitialBackOff);
  last_update_ = now;
  decision.restart = true;
  return decision;
}

std::string FormatGoDuration(std::chrono::seconds duration) {
  int64_t total = duration.count();
  std::string sign = total < 0 ? "-" : "";
  total = total < 0 ? -total : total;
  int64_t hours = total / 3600;
  int64_t minutes = total % 3600 / 60;
  int64_t seconds = total % 60;
  if (hours > 0) return fmt::format("{}{}h{}m{}s", sign, hours, minutes, seconds);
  if (minutes > 0) return fmt::format("{}{}m{}s", sign, minutes, seconds);
  return fmt::format("{}{}s", sign, seconds);
}

}  // namespace capstan::target::local
