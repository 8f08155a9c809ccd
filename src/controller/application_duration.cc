// Go's time.ParseDuration and Duration.String, and Argo CD's retry back-off.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "controller/application.h"

namespace capstan::controller {
namespace {

using std::chrono::nanoseconds;

// Longest duration text read; real ones are under 20 characters.
constexpr size_t kMaxDurationText = 64;

struct Unit {
  std::string_view name;
  int64_t nanos;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xc2\xb5s", 1'000},  // U+00B5 micro sign
    {"\xce\xbcs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

Error Bad(std::string_view text, std::string_view why) {
  return Error::Invalid(
      fmt::format("\"{}\": {} (expected a duration like 30s, 5m or 1h30m)", text, why));
}

std::string TrimmedFraction(uint64_t whole, uint64_t remainder, uint64_t unit) {
  std::string out = std::to_string(whole);
  if (remainder == 0) return out;
  std::string digits;
  for (uint64_t scale = unit / 10; scale > 0; scale /= 10) {
    digits += static_cast<char>('0' + (remainder / scale) % 10);
  }
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace

Result<nanoseconds> ParseGoDuration(std::string_view text) {
  if (text.size() > kMaxDurationText) return Bad(text.substr(0, 20), "too long");
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return nanoseconds(0);
  if (rest.empty()) return Bad(text, "empty");
  long double total = 0;
  while (!rest.empty()) {
    size_t i = 0;
    long double number = 0;
    bool any_digit = false;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      number = number * 10 + (rest[i++] - '0');
      any_digit = true;
    }
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        number += (rest[i++] - '0') * scale;
        scale /= 10;
        any_digit = true;
      }
    }
    if (!any_digit) return Bad(text, "expected a number");
    rest.remove_prefix(i);
    size_t unit_len = 0;
    while (unit_len < rest.size() && !(rest[unit_len] >= '0' && rest[unit_len] <= '9') &&
           rest[unit_len] != '.') {
      ++unit_len;
    }
    if (unit_len == 0) return Bad(text, "missing unit");
    std::string_view unit_name = rest.substr(0, unit_len);
    rest.remove_prefix(unit_len);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) return Bad(text, fmt::format("unknown unit \"{}\"", unit_name));
    total += number * unit->nanos;
  }
  if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    return Bad(text, "too large");
  }
  auto nanos = static_cast<int64_t>(std::llround(total));
  return nanoseconds(negative ? -nanos : nanos);
}

std::string FormatGoDuration(nanoseconds duration) {
  int64_t n = duration.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  uint64_t u = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  constexpr uint64_t kSecond = 1'000'000'000;
  if (u < kSecond) {
    if (u < 1'000) return sign + std::to_string(u) + "ns";
    if (u < 1'000'000) return sign + TrimmedFraction(u / 1'000, u % 1'000, 1'000) + "µs";
    return sign + TrimmedFraction(u / 1'000'000, u % 1'000'000, 1'000'000) + "ms";
  }
  uint64_t hours = u / (3600 * kSecond);
  uint64_t minutes = u / (60 * kSecond) % 60;
  uint64_t seconds_nanos = u % (60 * kSecond);
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  out += TrimmedFraction(seconds_nanos / kSecond, seconds_nanos % kSecond, kSecond) + "s";
  return out;
}

nanoseconds RetryDelay(const RetryPolicy& retry, int attempt) {
  long double delay = static_cast<long double>(retry.backoff_duration.count());
  long double cap = static_cast<long double>(retry.backoff_max_duration.count());
  for (int i = 0; i < attempt && delay < cap; ++i) delay *= retry.backoff_factor;
  if (delay > cap) delay = cap;
  return nanoseconds(static_cast<int64_t>(delay));
}

}  // namespace capstan::controller
