// When and how long to wait before retrying a request to an API server.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace capstan::target::kube {

// The retry budget of one request. Only idempotent requests are retried (GET, PUT, DELETE
// and server-side apply), and only after 429, 500, 502, 503, 504, a connection failure or
// a time-out.
struct RetryOptions {
  // Attempts in all, the first included. Default 5; 1 turns retries off.
  int max_attempts = 5;
  // Wait before the first retry; doubled for each further one. Default 200 ms.
  std::chrono::milliseconds initial_backoff{200};
  // Longest single wait (also caps a server's Retry-After). Default 10 s.
  std::chrono::milliseconds max_backoff{10'000};
  // No retry starts after this much time since the first attempt. Default 60 s: about
  // one API server restart.
  std::chrono::milliseconds max_total{60'000};
  // Each wait is stretched by up to this fraction at random, so clients that failed
  // together do not retry together. Default 0.2.
  double jitter = 0.2;
};

// The wait before retry number `retry` (1 for the first retry):
//   min(max_backoff, initial_backoff * 2^(retry-1)) * (1 + jitter * unit_random)
// where unit_random is in [0, 1). Example (200 ms, max 10 s, jitter 0.2, unit_random 0.5):
// 220 ms, 440 ms, 880 ms, ... 11 s from the seventh retry on.
std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int retry, double unit_random);

// Whether an HTTP status is worth retrying: 429 and 500/502/503/504.
bool IsRetryableHttpStatus(long status);

// The delay a Retry-After header asks for, in its delta-seconds form ("3"); nullopt for a
// missing, malformed or HTTP-date value (then the normal back-off applies).
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view header);

}  // namespace capstan::target::kube
