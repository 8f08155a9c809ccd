// Plain-scalar resolution as go-yaml v2 does it (YAML 1.1), which is how Kubernetes reads
// manifests. See docs/yaml.md for the table and its reasons.
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/yaml.h"

namespace capstan {
namespace {

constexpr std::array<std::string_view, 12> kTrueWords = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", ""};
constexpr std::array<std::string_view, 12> kFalseWords = {
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", ""};

bool IsOneOf(std::string_view text, const std::array<std::string_view, 12>& words) {
  for (std::string_view w : words) {
    if (!w.empty() && w == text) return true;
  }
  return false;
}

bool IsDigitIn(char c, int base) {
  if (base == 2) return c == '0' || c == '1';
  if (base == 8) return c >= '0' && c <= '7';
  if (base == 10) return c >= '0' && c <= '9';
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Parses digits (underscores allowed between them, as YAML 1.1 permits) in `base`.
// Returns false when the text is not such a number; sets `overflow` when it does not fit.
bool ParseDigits(std::string_view digits, int base, bool negative, int64_t& out, bool& overflow) {
  if (digits.empty()) return false;
  std::string clean;
  clean.reserve(digits.size() + 1);
  if (negative) clean.push_back('-');
  for (char c : digits) {
    if (c == '_') continue;
    if (!IsDigitIn(c, base)) return false;
    clean.push_back(c);
  }
  if (clean.empty() || clean == "-") return false;
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), out, base);
  overflow = ec == std::errc::result_out_of_range;
  return ec == std::errc() || overflow;
}

// go-yaml v2's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool LooksLikeFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace

Value ResolvePlainScalar(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return Value();
  }
  if (IsOneOf(text, kTrueWords)) return Value(true);
  if (IsOneOf(text, kFalseWords)) return Value(false);
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
      text == "+.INF") {
    return Value(std::numeric_limits<double>::infinity());
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    return Value(-std::numeric_limits<double>::infinity());
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    return Value(std::numeric_limits<double>::quiet_NaN());
  }

  std::string_view body = text;
  bool negative = false;
  if (body[0] == '-' || body[0] == '+') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int64_t number = 0;
  bool overflow = false;
  bool parsed = false;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    parsed = ParseDigits(body.substr(2), 16, negative, number, overflow);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    parsed = ParseDigits(body.substr(2), 2, negative, number, overflow);
  } else if (body.size() > 1 && body[0] == '0') {
    parsed = ParseDigits(body.substr(1), 8, negative, number, overflow);
  } else if (!body.empty() && body[0] != '_') {
    parsed = ParseDigits(body, 10, negative, number, overflow);
  }
  if (parsed && !overflow) return Value(number);

  if (LooksLikeFloat(text)) {
    std::string copy(text);
    return Value(std::strtod(copy.c_str(), nullptr));
  }
  return Value(std::string(text));
}

}  // namespace capstan
