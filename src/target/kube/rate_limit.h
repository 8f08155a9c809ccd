// Client-side rate limit: a token bucket, as client-go's default (qps, burst), so that a
// burst of reconciles cannot flood an API server.
#pragma once

#include <chrono>
#include <mutex>

namespace capstan::target::kube {

struct RateLimitOptions {
  // Sustained requests per second. Default 50 (client-go's default is 5, which is too slow
  // for a controller syncing many applications; API servers handle hundreds). <= 0: no limit.
  double qps = 50;
  // Requests that may go at once after a quiet period. Default 100.
  int burst = 100;
};

// The arithmetic of a token bucket, without a clock of its own (so tests pass times in).
// Tokens accrue at qps per second up to burst; each request takes one. When none is left
// the request reserves a future token and is told how long to wait, so waiters queue in
// arrival order. Not thread-safe: RateLimiter adds the lock.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(const RateLimitOptions& options, Clock::time_point now);

  // Takes one token at `now` and returns how long the caller must wait before sending:
  // zero when a token was available. Example (qps 10, burst 2): four calls at t=0 wait
  // 0, 0, 100 ms, 200 ms; a fifth at t=1 s waits 0 (the bucket refilled, capped at burst).
  Clock::duration Reserve(Clock::time_point now);

 private:
  RateLimitOptions options_;
  double tokens_;  // may go negative: tokens reserved by callers that are waiting
  Clock::time_point last_;
};

// A TokenBucket behind a mutex that sleeps for the caller. Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(const RateLimitOptions& options);
  // Blocks until the caller may send one request.
  void Wait();

 private:
  std::mutex mu_;
  TokenBucket bucket_;  // guarded by mu_
};

}  // namespace capstan::target::kube
