#include "core/time.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cctype>
#include <ctime>

namespace capstan {

std::string FormatRfc3339(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text) {
  std::tm utc{};
  int consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  size_t at = 19;
  if (at < copy.size() && copy[at] == '.') {
    ++at;
    while (at < copy.size() && std::isdigit(static_cast<unsigned char>(copy[at])) != 0) ++at;
  }
  long offset_seconds = 0;
  if (at < copy.size() && (copy[at] == 'Z' || copy[at] == 'z')) {
    ++at;
  } else if (at + 6 == copy.size() && (copy[at] == '+' || copy[at] == '-')) {
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(copy.c_str() + at + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_seconds = (copy[at] == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != copy.size()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&utc) - offset_seconds);
}

}  // namespace capstan
