#include "target/kube/retry.h"

#include <algorithm>
#include <charconv>

namespace capstan::target::kube {
namespace {

// Longer than any sane Retry-After; bounds the parse.
constexpr long kMaxRetryAfterSeconds = 24L * 3600;

}  // namespace

std::chrono::milliseconds BackoffDelay(const RetryOptions& options, int retry, double unit_random) {
  double base = static_cast<double>(options.initial_backoff.count());
  double cap = static_cast<double>(options.max_backoff.count());
  for (int i = 1; i < retry && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  double stretched = base * (1 + options.jitter * std::clamp(unit_random, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<int64_t>(stretched));
}

bool IsRetryableHttpStatus(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
    header.remove_prefix(1);
  while (!header.empty() &&
         (header.back() == ' ' || header.back() == '\r' || header.back() == '\n')) {
    header.remove_suffix(1);
  }
  if (header.empty()) return std::nullopt;
  long seconds = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (ec != std::errc() || end != header.data() + header.size() || seconds < 0 ||
      seconds > kMaxRetryAfterSeconds) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

}  // namespace capstan::target::kube
