// Version parsing and precedence (semver.org 2.0.0, sections 2, 9-11).
#include "source/semver.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace capstan::source {
namespace {

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsIdentifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

// A numeric part: digits, no leading zero (except "0" itself), fits in 64 bits.
std::optional<uint64_t> ParseNumber(std::string_view s) {
  if (!IsDigits(s) || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

int CompareIdentifiers(std::string_view a, std::string_view b) {
  bool a_num = IsDigits(a);
  bool b_num = IsDigits(b);
  if (a_num && b_num) {
    // Both are valid numbers without leading zeros, so the longer one is bigger.
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b);
  }
  if (a_num != b_num) return a_num ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace

Result<Version> ParseVersion(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Error::Invalid(fmt::format("version \"{}\": {}", text, why));
  };
  std::string_view rest = text;
  if (!rest.empty() && (rest[0] == 'v' || rest[0] == 'V')) rest.remove_prefix(1);
  Version version;
  if (size_t plus = rest.find('+'); plus != std::string_view::npos) {
    std::string_view build = rest.substr(plus + 1);
    for (std::string_view id : Split(build, '.')) {
      if (!IsIdentifier(id)) return invalid("build metadata must be dot-separated [0-9A-Za-z-]");
    }
    version.build = std::string(build);
    rest = rest.substr(0, plus);
  }
  if (size_t dash = rest.find('-'); dash != std::string_view::npos) {
    for (std::string_view id : Split(rest.substr(dash + 1), '.')) {
      if (!IsIdentifier(id)) return invalid("pre-release must be dot-separated [0-9A-Za-z-]");
      if (IsDigits(id) && id.size() > 1 && id[0] == '0') {
        return invalid("numeric pre-release identifiers may not have leading zeros");
      }
      version.prerelease.emplace_back(id);
    }
    rest = rest.substr(0, dash);
  }
  std::vector<std::string_view> numbers = Split(rest, '.');
  if (numbers.size() != 3) return invalid("expected MAJOR.MINOR.PATCH");
  uint64_t* fields[] = {&version.major, &version.minor, &version.patch};
  for (size_t i = 0; i < 3; ++i) {
    std::optional<uint64_t> n = ParseNumber(numbers[i]);
    if (!n) return invalid("MAJOR, MINOR and PATCH must be numbers without leading zeros");
    *fields[i] = *n;
  }
  return version;
}

int CompareVersions(const Version& a, const Version& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A release is higher than any of its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() == b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  size_t common = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < common; ++i) {
    if (int c = CompareIdentifiers(a.prerelease[i], b.prerelease[i]); c != 0) return c;
  }
  // More identifiers sort higher when all shared ones are equal ("1.0.0-a.1" > "1.0.0-a").
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace capstan::source
