// Go's time.ParseDuration, which Argo Rollouts applies to interval and initialDelay.
#include <cmath>
#include <string>

#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis {
namespace {

struct Unit {
  std::string_view name;
  double nanoseconds;
};

// Longest names first so that "ms" is not read as "m" followed by "s".
constexpr Unit kUnits[] = {
    {"ns", 1},          {"us", 1e3}, {"\xC2\xB5s", 1e3},  // µs (micro sign)
    {"\xCE\xBCs", 1e3},                                   // μs (Greek mu)
    {"ms", 1e6},        {"s", 1e9},  {"m", 60e9},        {"h", 3600e9},
};

Error Invalid(std::string_view text, std::string_view why) {
  return Error::Invalid("invalid duration \"" + std::string(text) + "\"" +
                        (why.empty() ? "" : ": " + std::string(why)));
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return Duration(0);
  if (rest.empty()) return Invalid(text, "");
  double total = 0;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() &&
           ((rest[digits] >= '0' && rest[digits] <= '9') || rest[digits] == '.')) {
      ++digits;
    }
    std::string number(rest.substr(0, digits));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
      return Invalid(text, "");
    }
    rest.remove_prefix(digits);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.substr(0, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) {
      size_t end = 0;
      while (end < rest.size() && !(rest[end] >= '0' && rest[end] <= '9') && rest[end] != '.')
        ++end;
      if (end == 0) return Invalid(text, "missing unit (for example \"30s\", \"5m\", \"1h\")");
      return Invalid(text, "unknown unit \"" + std::string(rest.substr(0, end)) + "\"");
    }
    rest.remove_prefix(unit->name.size());
    total += std::stod(number) * unit->nanoseconds;
    if (total > 9.2e18) return Invalid(text, "out of range");
  }
  auto nanos = static_cast<int64_t>(std::llround(total));
  return Duration(negative ? -nanos : nanos);
}

}  // namespace capstan::rollout::analysis
