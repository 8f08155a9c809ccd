#include "target/kube/rate_limit.h"

#include <algorithm>
#include <thread>

namespace capstan::target::kube {

TokenBucket::TokenBucket(const RateLimitOptions& options, Clock::time_point now)
    : options_(options), tokens_(std::max(options.burst, 1)), last_(now) {}

TokenBucket::Clock::duration TokenBucket::Reserve(Clock::time_point now) {
  if (options_.qps <= 0) return Clock::duration::zero();
  if (now > last_) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min<double>(std::max(options_.burst, 1), tokens_ + elapsed * options_.qps);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::duration::zero();
  // -tokens_ requests are queued ahead of this one's token, including this one.
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / options_.qps));
}

RateLimiter::RateLimiter(const RateLimitOptions& options)
    : bucket_(options, TokenBucket::Clock::now()) {}

void RateLimiter::Wait() {
  TokenBucket::Clock::duration wait;
  {
    std::lock_guard lock(mu_);
    wait = bucket_.Reserve(TokenBucket::Clock::now());
  }
  if (wait > TokenBucket::Clock::duration::zero()) std::this_thread::sleep_for(wait);
}

}  // namespace capstan::target::kube
