// Canonical Kubernetes quantities. The arithmetic is exact: a quantity is held as
// sign * mantissa * 10^exponent with a 128-bit mantissa; anything that would not fit is
// left as written (and then compared as written) rather than rounded.
#include "diff/internal/quantity.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>

namespace capstan::diff::internal {
namespace {

using u128 = unsigned __int128;
constexpr u128 kMax = std::numeric_limits<u128>::max();
constexpr int kFinestExponent = -9;  // the server keeps nano precision, rounding up
constexpr size_t kMaxDigits = 30;

enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

struct Parsed {
  bool negative = false;
  u128 mantissa = 0;
  int exponent = 0;
  Format format = Format::kDecimalSI;
};

bool MultiplyBy(u128& value, u128 factor) {
  if (factor != 0 && value > kMax / factor) return false;
  value *= factor;
  return true;
}

std::string ToString(u128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return out;
}

// Decimal SI suffix exponents; binary suffixes are powers of 1024.
int DecimalSuffixExponent(std::string_view s, bool& ok) {
  ok = true;
  if (s.empty()) return 0;
  if (s == "n") return -9;
  if (s == "u") return -6;
  if (s == "m") return -3;
  if (s == "k") return 3;
  if (s == "M") return 6;
  if (s == "G") return 9;
  if (s == "T") return 12;
  if (s == "P") return 15;
  if (s == "E") return 18;
  ok = false;
  return 0;
}

int BinarySuffixPower(std::string_view s) {
  constexpr std::string_view kBinary[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (int i = 0; i < 6; ++i) {
    if (s == kBinary[i]) return i + 1;
  }
  return 0;
}

std::optional<Parsed> Parse(std::string_view text) {
  Parsed q;
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) q.negative = text[i++] == '-';
  size_t digits = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (++digits > kMaxDigits) return std::nullopt;
    q.mantissa = q.mantissa * 10 + static_cast<unsigned>(c - '0');
    if (seen_point) --q.exponent;
  }
  if (digits == 0) return std::nullopt;
  std::string_view suffix = text.substr(i);
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    int exponent = 0;
    auto body = suffix.substr(1);
    bool negative = !body.empty() && body[0] == '-';
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
    if (body.empty() || body.size() > 3) return std::nullopt;
    for (char c : body) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      exponent = exponent * 10 + (c - '0');
    }
    q.exponent += negative ? -exponent : exponent;
    q.format = Format::kDecimalExponent;
    return q;
  }
  if (int power = BinarySuffixPower(suffix); power > 0) {
    for (int p = 0; p < power; ++p) {
      if (!MultiplyBy(q.mantissa, 1024)) return std::nullopt;
    }
    q.format = Format::kBinarySI;
    return q;
  }
  bool ok = false;
  q.exponent += DecimalSuffixExponent(suffix, ok);
  if (!ok) return std::nullopt;
  return q;
}

// Rounds up to nano precision, as the server does when it parses.
bool RoundToFinest(Parsed& q) {
  while (q.exponent < kFinestExponent) {
    bool remainder = q.mantissa % 10 != 0;
    q.mantissa = q.mantissa / 10 + (remainder ? 1 : 0);
    ++q.exponent;
  }
  return true;
}

std::optional<std::string> FormatDecimal(Parsed q) {
  while (q.mantissa % 10 == 0) {
    q.mantissa /= 10;
    ++q.exponent;
  }
  int shift = q.exponent % 3;  // C++ keeps the dividend's sign, as Go does
  if (shift == 1 || shift == -2) {
    if (!MultiplyBy(q.mantissa, 10)) return std::nullopt;
    q.exponent -= 1;
  } else if (shift == 2 || shift == -1) {
    if (!MultiplyBy(q.mantissa, 100)) return std::nullopt;
    q.exponent -= 2;
  }
  std::string number = (q.negative ? "-" : "") + ToString(q.mantissa);
  if (q.format == Format::kDecimalSI && q.exponent >= -9 && q.exponent <= 18) {
    constexpr std::string_view kSuffixes[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    return number + std::string(kSuffixes[(q.exponent + 9) / 3]);
  }
  if (q.exponent == 0) return number;
  return fmt::format("{}e{}", number, q.exponent);
}

std::optional<std::string> FormatBinary(const Parsed& q) {
  // Whole number of bytes? (Otherwise decimal SI keeps the precision.)
  u128 whole = q.mantissa;
  for (int e = q.exponent; e < 0; ++e) {
    if (whole % 10 != 0) {
      Parsed decimal = q;
      decimal.format = Format::kDecimalSI;
      return FormatDecimal(decimal);
    }
    whole /= 10;
  }
  for (int e = 0; e < q.exponent; ++e) {
    if (!MultiplyBy(whole, 10)) return std::nullopt;
  }
  if (whole < 1024) {
    Parsed decimal{q.negative, whole, 0, Format::kDecimalSI};
    return FormatDecimal(decimal);
  }
  constexpr std::string_view kSuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  int power = 0;
  while (power < 6 && whole % 1024 == 0) {
    whole /= 1024;
    ++power;
  }
  return (q.negative ? "-" : "") + ToString(whole) + std::string(kSuffixes[power]);
}

}  // namespace

std::optional<std::string> CanonicalQuantity(std::string_view text) {
  std::optional<Parsed> q = Parse(text);
  if (!q) return std::nullopt;
  RoundToFinest(*q);
  if (q->mantissa == 0) return "0";
  if (q->format == Format::kBinarySI) return FormatBinary(*q);
  return FormatDecimal(*q);
}

Value CanonicalQuantityValue(const Value& value) {
  std::optional<std::string> canonical;
  if (value.is_string()) {
    canonical = CanonicalQuantity(value.as_string());
  } else if (value.is_int()) {
    canonical = CanonicalQuantity(std::to_string(value.as_int()));
  } else if (value.is_double() && std::isfinite(value.as_double())) {
    canonical = CanonicalQuantity(fmt::format("{}", value.as_double()));
  }
  return canonical ? Value(*canonical) : value;
}

}  // namespace capstan::diff::internal
